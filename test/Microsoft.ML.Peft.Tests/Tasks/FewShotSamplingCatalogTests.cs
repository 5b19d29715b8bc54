// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tests.Tasks;

public sealed class FewShotSamplingCatalogTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void TakeRowsPerClass_KeepsKRowsOfEachClass_FromTheData_InTheirOrder()
    {
        var data = Data(40);

        var shots = _ml.Data.TakeRowsPerClass(data, rowsPerClass: 3, labelColumnName: nameof(Row.Label), seed: 5);

        var ids = shots.GetColumn<int>(nameof(Row.Id)).ToArray();
        var labels = shots.GetColumn<string>(nameof(Row.Label)).ToArray();
        Assert.Equal(12, ids.Length);
        Assert.Equal(12, shots.GetRowCount());
        Assert.All(new[] { "a", "b", "c", "d" }, c => Assert.Equal(3, labels.Count(l => l == c)));
        Assert.All(ids.Zip(labels), p => Assert.Equal(Label(p.First), p.Second));
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(data.Schema.Select(c => c.Name), shots.Schema.Select(c => c.Name));
    }

    [Fact]
    public void TakeRowsPerClass_SameSeedSameRows_OtherSeedOtherRows()
    {
        var data = Data(200);
        int[] Draw(int seed) => _ml.Data.TakeRowsPerClass(data, 4, nameof(Row.Label), seed).GetColumn<int>(nameof(Row.Id)).ToArray();

        Assert.Equal(Draw(1), Draw(1));
        Assert.NotEqual(Draw(1), Draw(2));
    }

    [Fact]
    public void TakeRowsPerClass_OnAKeyLabel_DropsMissingKeys_AndFeedsAPipeline()
    {
        var withUnseen = _ml.Data.LoadFromEnumerable(Rows(20).Append(new Row { Id = 99, Label = "unseen" }));
        var data = _ml.Transforms.Conversion.MapValueToKey("Key", nameof(Row.Label)).Fit(Data(20)).Transform(withUnseen);

        var shots = _ml.Data.TakeRowsPerClass(data, rowsPerClass: 2, labelColumnName: "Key", seed: 3);

        var keys = shots.GetColumn<uint>("Key").ToArray();
        Assert.Equal(8, keys.Length);
        Assert.DoesNotContain(0u, keys);
        Assert.DoesNotContain(99, shots.GetColumn<int>(nameof(Row.Id)));
    }

    [Fact]
    public void TakeRowsPerClass_OnABooleanLabel_KeepsBothClasses()
    {
        var data = _ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new BoolRow { Id = i, Label = i % 3 == 0 }));

        var labels = _ml.Data.TakeRowsPerClass(data, 2, nameof(BoolRow.Label)).GetColumn<bool>(nameof(BoolRow.Label)).ToArray();

        Assert.Equal(2, labels.Count(l => l));
        Assert.Equal(2, labels.Count(l => !l));
    }

    [Fact]
    public void TakeRowsPerClass_KLargerThanAClass_NamesTheClassAndItsCount()
    {
        var data = _ml.Data.LoadFromEnumerable(Rows(9).Append(new Row { Id = 100, Label = "rare" }));

        var error = Assert.Throws<ArgumentException>(() => _ml.Data.TakeRowsPerClass(data, 2, nameof(Row.Label)));

        Assert.Contains("Class 'rare' of label column 'Label' has 1 row(s), fewer than rowsPerClass = 2", error.Message);
        Assert.Contains("at most 1", error.Message);
    }

    [Fact]
    public void TakeRowsPerClass_BadArguments_SayWhatToChange()
    {
        var data = Data(8);

        Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Data.TakeRowsPerClass(data, 0, nameof(Row.Label))).Message);
        Assert.Contains("'Missing' not found; the data has Id, Label", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Data.TakeRowsPerClass(data, 1, "Missing")).Message);
        Assert.Contains("use a key (MapValueToKey), Boolean or text column", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Data.TakeRowsPerClass(data, 1, nameof(Row.Id))).Message);
    }

    private static string Label(int id) => ((char)('a' + (id % 4))).ToString();

    private IDataView Data(int rows) => _ml.Data.LoadFromEnumerable(Rows(rows));

    // Four classes a, b, c, d in turn.
    private static List<Row> Rows(int rows) => Enumerable.Range(0, rows).Select(i => new Row { Id = i, Label = Label(i) }).ToList();

    private sealed class Row
    {
        public int Id { get; set; }

        public string Label { get; set; } = string.Empty;
    }

    private sealed class BoolRow
    {
        public int Id { get; set; }

        public bool Label { get; set; }
    }
}
