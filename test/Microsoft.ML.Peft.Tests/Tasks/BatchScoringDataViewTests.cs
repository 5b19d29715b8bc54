// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Tests.Tasks;

/// <summary>The one scoring view and row mapper every task's transformer returns, over a predictor that measures text lengths.</summary>
public sealed class BatchScoringDataViewTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void Cursor_PredictsInFullBatchesAheadOfTheRowServed_InInputOrder()
    {
        var predictor = new LengthPredictor(readAheadRows: 2);
        var view = new BatchScoringDataView<string, int>(Data("a", "bbb", "cc", "dddd", "e"), predictor);

        var lengths = view.GetColumn<int>(view.Schema["Length"]).ToArray();

        Assert.Equal(new[] { 1, 3, 2, 4, 1 }, lengths);
        Assert.Equal(new[] { 2, 2, 1 }, predictor.Batches);
        Assert.False(view.CanShuffle);
        Assert.Equal(5, view.GetRowCount());
    }

    [Fact]
    public void Cursor_WithoutAnAddedColumn_PredictsNothing_AndRefusesColumnsNotRequested()
    {
        var predictor = new LengthPredictor(readAheadRows: 2);
        var view = new BatchScoringDataView<string, int>(Data("a", "bb"), predictor);

        using var cursor = view.GetRowCursor(new[] { view.Schema["Text"] });
        while (cursor.MoveNext())
        {
        }

        Assert.Empty(predictor.Batches);
        Assert.True(cursor.IsColumnActive(view.Schema["Text"]));
        var error = Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<int>(view.Schema["Length"]));
        Assert.Equal("Column 'Length' was not requested when the cursor was created.", error.Message);
    }

    [Fact]
    public void RowMapper_PredictsOneRowOnce_WhileTheInputStaysOnIt()
    {
        var predictor = new LengthPredictor(readAheadRows: 8);
        var input = Data("abc", "de");
        var mapper = new BatchPredictorRowMapper<string, int>(input.Schema, predictor);
        var length = mapper.OutputSchema["Length"];

        Assert.Equal(new[] { "Text" }, mapper.GetDependencies(new[] { length }).Select(c => c.Name));
        using var cursor = input.GetRowCursor(input.Schema);
        var row = mapper.GetRow(cursor, new[] { length });
        var getter = row.GetGetter<int>(length);
        var values = new List<int>();
        while (cursor.MoveNext())
        {
            int value = 0;
            getter(ref value);
            getter(ref value);
            values.Add(value);
        }

        Assert.Equal(new[] { 3, 2 }, values);
        Assert.Equal(new[] { 1, 1 }, predictor.Batches);
    }

    private IDataView Data(params string[] texts) => _ml.Data.LoadFromEnumerable(texts.Select(t => new Row { Text = t }).ToList());

    private sealed class Row
    {
        public string Text { get; set; } = string.Empty;
    }

    private sealed class LengthPredictor : IBatchPredictor<string, int>
    {
        internal LengthPredictor(int readAheadRows) => ReadAheadRows = readAheadRows;

        public int ReadAheadRows { get; }

        internal List<int> Batches { get; } = new();

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        {
            var builder = new DataViewSchema.Builder();
            builder.AddColumns(inputSchema);
            builder.AddColumn("Length", NumberDataViewType.Int32);
            return builder.ToSchema();
        }

        public IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema) => new[] { inputSchema["Text"] };

        public Func<string> CreateInputReader(DataViewRow row)
        {
            var text = row.GetGetter<ReadOnlyMemory<char>>(row.Schema["Text"]);
            return () =>
            {
                ReadOnlyMemory<char> value = default;
                text(ref value);
                return value.ToString();
            };
        }

        public IReadOnlyList<int> Predict(IReadOnlyList<string> inputs)
        {
            Batches.Add(inputs.Count);
            return inputs.Select(i => i.Length).ToArray();
        }

        public ValueGetter<TValue> CreateOutputGetter<TValue>(DataViewSchema.Column column, int outputIndex, Func<int> current)
        {
            ValueGetter<int> getter = (ref int destination) => destination = current();
            return (ValueGetter<TValue>)(Delegate)getter;
        }
    }
}
