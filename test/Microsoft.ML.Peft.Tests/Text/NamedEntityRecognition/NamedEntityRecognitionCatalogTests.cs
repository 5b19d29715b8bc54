// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class NamedEntityRecognitionCatalogTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [Theory]
    [InlineData(false, 1.0)]
    [InlineData(true, 0.5)]
    public void EvaluateNamedEntities_TextVectors_ScoresByMode(bool strict, double recall)
    {
        var data = Rows(("B-PER I-PER O", "I-PER I-PER O"), ("O B-LOC", "O B-LOC"));

        var metrics = _mlContext.Peft().EvaluateNamedEntities(data, strict: strict);

        Assert.Equal(recall, metrics.MicroRecall, 12);
        Assert.Equal(2, metrics.Support);
        Assert.Equal(["LOC", "PER"], metrics.PerType.Keys);
    }

    [Fact]
    public void EvaluateNamedEntities_KeyVectorsWithTextValues_ReadsTagsThroughKeyValues()
    {
        var data = Rows(("B-PER I-PER O B-LOC", "B-PER I-PER O O"), ("O B-LOC", "O B-LOC"));
        var keyed = _mlContext.Transforms.Conversion.MapValueToKey("Tags")
            .Append(_mlContext.Transforms.Conversion.MapValueToKey("PredictedTags"))
            .Fit(data)
            .Transform(data);

        var metrics = _mlContext.Peft().EvaluateNamedEntities(keyed);

        Assert.Equal(1.0, metrics.MicroPrecision, 12);
        Assert.Equal(2.0 / 3.0, metrics.MicroRecall, 12);
        Assert.Equal(0.5, metrics.PerType["LOC"].Recall, 12);
    }

    [Fact]
    public void EvaluateNamedEntities_OtherColumnNamesAndScheme_Used()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[]
        {
            new NamedRow { Gold = ["S-PER", "O"], Guess = ["S-PER", "O"] },
        });

        var metrics = _mlContext.Peft().EvaluateNamedEntities(data, "Gold", "Guess", TagScheme.Bioes);

        Assert.Equal(1.0, metrics.MicroF1);
        Assert.Equal(1, metrics.PerType["PER"].TruePositiveCount);
    }

    [Fact]
    public void EvaluateNamedEntities_MissingColumn_ThrowsSchemaErrorNamingIt()
    {
        var data = Rows(("O", "O"));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _mlContext.Peft().EvaluateNamedEntities(data, predictedLabelColumnName: "Predicted"));

        Assert.Contains("Predicted tags column 'Predicted' not found", error.Message);
        Assert.Contains("'PredictedTags'", error.Message);
    }

    [Fact]
    public void EvaluateNamedEntities_ScalarTextColumn_ThrowsSchemaMismatchWithFix()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new TextRow { Tags = "B-PER O", PredictedTags = ["B-PER", "O"] } });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _mlContext.Peft().EvaluateNamedEntities(data));

        Assert.Contains("Schema mismatch for tags column 'Tags': expected vector of String or vector of Key with String key values, got String.", error.Message);
        Assert.Contains("TokenizeIntoWords", error.Message);
    }

    [Fact]
    public void EvaluateNamedEntities_KeysWithoutTextValues_ThrowsSchemaMismatchWithFix()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new NumericRow { Tags = [1f, 2f], PredictedTags = ["B-PER", "O"] } });
        var keyed = _mlContext.Transforms.Conversion.MapValueToKey("Tags").Fit(data).Transform(data);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _mlContext.Peft().EvaluateNamedEntities(keyed));

        Assert.Contains("Schema mismatch for tags column 'Tags'", error.Message);
        Assert.Contains("MapKeyToValue(\"Tags\")", error.Message);
    }

    [Fact]
    public void EvaluateNamedEntities_PredictedTagMissingFromKeys_ErrorNamesRowAndToken()
    {
        var data = Rows(("O B-PER", "O B-PER"), ("O O", "O B-LOC"));
        var keys = _mlContext.Data.LoadFromEnumerable(new[] { new KeyRow { PredictedTags = "O" }, new KeyRow { PredictedTags = "B-PER" } });
        var keyed = _mlContext.Transforms.Conversion.MapValueToKey("PredictedTags", keyData: keys).Fit(data).Transform(data);

        var error = Assert.Throws<InvalidOperationException>(() => _mlContext.Peft().EvaluateNamedEntities(keyed));

        Assert.StartsWith("Row 1, token 1 (both 0-based) of predicted tags column 'PredictedTags' has the key 0", error.Message);
    }

    [Fact]
    public void EvaluateNamedEntities_RowTagCountsDiffer_ErrorNamesRowAndColumns()
    {
        var data = Rows(("O", "O"), ("B-PER I-PER", "B-PER"));

        var error = Assert.Throws<InvalidOperationException>(() => _mlContext.Peft().EvaluateNamedEntities(data));

        Assert.StartsWith("Sentence 1 (0-based) has 2 tags in column 'Tags' but 1 tags in column 'PredictedTags'", error.Message);
    }

    [Fact]
    public void EvaluateNamedEntities_UnknownTag_ErrorNamesColumnRowAndToken()
    {
        var data = Rows(("O B-PER", "O B_PER"));

        var error = Assert.Throws<InvalidOperationException>(() => _mlContext.Peft().EvaluateNamedEntities(data));

        Assert.StartsWith("tags in column 'PredictedTags', sentence 0, token 1 (both 0-based): tag \"B_PER\" is not O", error.Message);
    }

    [Fact]
    public void EvaluateNamedEntities_NoRows_ErrorSaysSo()
    {
        var data = _mlContext.Data.LoadFromEnumerable(Array.Empty<TagRow>());

        var error = Assert.Throws<InvalidOperationException>(() => _mlContext.Peft().EvaluateNamedEntities(data));

        Assert.StartsWith("There are no sentences to evaluate", error.Message);
    }

    [Fact]
    public void EvaluateNamedEntities_NullData_Throws() =>
        Assert.Throws<ArgumentNullException>("data", () => _mlContext.Peft().EvaluateNamedEntities(null!));

    private IDataView Rows(params (string Gold, string Predicted)[] rows) =>
        _mlContext.Data.LoadFromEnumerable(rows.Select(r => new TagRow { Tags = r.Gold.Split(' '), PredictedTags = r.Predicted.Split(' ') }).ToArray());

    private sealed class TagRow
    {
        public string[] Tags { get; set; } = [];

        public string[] PredictedTags { get; set; } = [];
    }

    private sealed class NamedRow
    {
        public string[] Gold { get; set; } = [];

        public string[] Guess { get; set; } = [];
    }

    private sealed class TextRow
    {
        public string Tags { get; set; } = string.Empty;

        public string[] PredictedTags { get; set; } = [];
    }

    private sealed class NumericRow
    {
        public float[] Tags { get; set; } = [];

        public string[] PredictedTags { get; set; } = [];
    }

    private sealed class KeyRow
    {
        public string PredictedTags { get; set; } = string.Empty;
    }
}
