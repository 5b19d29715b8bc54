// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Text.TextClassification;

/// <summary>
/// The text classifier on a Boolean label: ML.NET's binary-trainer columns, read by BinaryClassification.Evaluate and
/// CrossValidate, the same network as the multiclass classifier, and every prediction path and persistence agreeing.
/// </summary>
public sealed class BinaryTextClassificationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-textbin-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public BinaryTextClassificationTests()
    {
        _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Fit_BooleanLabel_BinaryClassificationEvaluateReadsTheDefaultColumns()
    {
        using var classifier = Fit(ToyData(160), epochs: 20);

        var metrics = _ml.BinaryClassification.Evaluate(classifier.Transform(Holdout()));

        Assert.True(classifier.IsBinary);
        Assert.Equal(2, classifier.LabelCount);
        Assert.True(metrics.AreaUnderRocCurve >= 0.95, $"AUC {metrics.AreaUnderRocCurve:F3}");
        Assert.True(metrics.Accuracy >= 0.9, $"accuracy {metrics.Accuracy:F3}");
        Assert.Equal(160, classifier.TrainingInfo!.TrainingRows);
    }

    [Fact]
    public void CrossValidate_BooleanLabel_EvaluatesEveryFold()
    {
        var results = _ml.BinaryClassification.CrossValidate(ToyData(64), Estimator(epochs: 2), numberOfFolds: 2);

        Assert.Equal(2, results.Count);
        foreach (var fold in results)
        {
            Assert.InRange(fold.Metrics.AreaUnderRocCurve, 0, 1);
            ((IDisposable)fold.Model).Dispose();
        }
    }

    [Fact]
    public void Transform_BooleanLabel_ProbabilityIsTheMulticlassPTrueOfTheSameNetworkAndScoreItsMargin()
    {
        // Trained long enough to predict both classes, so PredictedLabel is checked on either side of 0.5.
        using var classifier = Fit(ToyData(160), epochs: 10);
        // The same network wrapped as a multiclass classifier: its Score[1] is P(true). Not disposed: the network is shared.
        var multiclass = new LoraTextClassificationTransformer(classifier.Network, classifier.Columns, new ClassifierLabel(IsBinary: false, 2, KeyValues: null), classifier.Backbone, classifier.PredictionBatchSize, trainingInfo: null);

        var binary = Predictions(classifier.Transform(Holdout()));
        var scores = multiclass.Transform(Holdout()).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToList();

        Assert.Equal(scores.Count, binary.Count);
        for (int i = 0; i < binary.Count; i++)
        {
            Assert.Equal(scores[i][1], binary[i].Probability);
            Assert.Equal(binary[i].Probability > 0.5f, binary[i].PredictedLabel);
            // P(true) = softmax of two logits = sigmoid of their difference, the margin in Score.
            Assert.Equal(1 / (1 + Math.Exp(-binary[i].Score)), binary[i].Probability, 5);
        }

        Assert.Contains(binary, p => p.PredictedLabel);
        Assert.Contains(binary, p => !p.PredictedLabel);
    }

    [Fact]
    public void GetOutputSchema_BooleanLabel_EstimatorShapeIsTheTransformersSchema()
    {
        var data = ToyData(32);
        var estimator = Estimator(epochs: 1);
        var shape = estimator.GetOutputSchema(SchemaShapes.Of(data.Schema));
        using var transformer = estimator.Fit(data);
        var schema = transformer.GetOutputSchema(data.Schema);

        Assert.Equal(new[] { "Text", "Label", "Score", "Probability", "PredictedLabel" }, schema.Select(c => c.Name));
        Assert.Equal(NumberDataViewType.Single, schema["Score"].Type);
        Assert.Equal(NumberDataViewType.Single, schema["Probability"].Type);
        Assert.Equal(BooleanDataViewType.Instance, schema["PredictedLabel"].Type);
        foreach (var name in new[] { "Score", "Probability", "PredictedLabel" })
        {
            var expected = Assert.Single(shape, c => c.Name == name);
            var actual = schema[name];
            Assert.Equal(SchemaShape.Column.VectorKind.Scalar, expected.Kind);
            Assert.False(expected.IsKey);
            Assert.Equal(actual.Type, expected.ItemType);
            Assert.Equal(
                expected.Annotations.Select(a => (a.Name, a.ItemType.RawType)).Order(),
                actual.Annotations.Schema.Select(a => (a.Name, a.Type.RawType)).Order());
            Assert.Equal("BinaryClassification", Annotation<ReadOnlyMemory<char>>(actual, "ScoreColumnKind").ToString());
            Assert.Equal(name, Annotation<ReadOnlyMemory<char>>(actual, "ScoreValueKind").ToString());
        }

        Assert.True(Annotation<bool>(schema["Probability"], "IsNormalized"));
        Assert.Equal(schema.Select(c => (c.Name, c.Type)), transformer.Transform(data).Schema.Select(c => (c.Name, c.Type)));
    }

    [Fact]
    public void PredictionEngine_BooleanLabel_GivesWhatTransformGives()
    {
        using var classifier = Fit(ToyData(64), epochs: 2);
        var rows = BooleanRows(24, seed: 99);
        var batch = Predictions(classifier.Transform(_ml.Data.LoadFromEnumerable(rows)));
        var engine = _ml.Model.CreatePredictionEngine<BooleanSentimentRow, BinaryPrediction>(classifier);

        for (int i = 0; i < rows.Count; i++)
        {
            var single = engine.Predict(rows[i]);
            Assert.Equal(batch[i].Score, single.Score, 5);
            Assert.Equal(batch[i].Probability, single.Probability, 5);
            Assert.Equal(batch[i].PredictedLabel, single.PredictedLabel);
        }
    }

    [Fact]
    public void SaveAndLoad_BooleanLabel_RecordsTheLabelTypeAndScoresIdentically()
    {
        var data = ToyData(64);
        using var classifier = Fit(data, epochs: 2);
        string path = Path.Combine(_directory, "binary.zip");

        _ml.Peft().Model.Save(classifier, data.Schema, path);
        var chain = (TransformerChain<ITransformer>)_ml.Peft().Model.Load(path, out _);

        using (var loaded = (LoraTextClassificationTransformer)chain.Single())
        {
            Assert.True(loaded.IsBinary);
            Assert.Equal("Boolean", StageField(path, "label_type"));
            Assert.Equal(Predictions(classifier.Transform(Holdout())), Predictions(loaded.Transform(Holdout())));
            Assert.Equal(classifier.GetOutputSchema(data.Schema).Select(c => (c.Name, c.Type)), loaded.GetOutputSchema(data.Schema).Select(c => (c.Name, c.Type)));
        }
    }

    [Fact]
    public void Load_MulticlassStageSavedBeforeTheLabelTypeExisted_StaysMulticlass()
    {
        var raw = _ml.Data.LoadFromEnumerable(SentimentRows.Create(32, seed: 3));
        var model = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Peft().LoraTextClassifier(_backbone, epochs: 1, batchSize: 16)).Fit(raw);
        using var classifier = model.LastTransformer;
        string path = Path.Combine(_directory, "multiclass.zip");
        _ml.Peft().Model.Save(model, raw.Schema, path);
        Assert.Equal("Key", StageField(path, "label_type"));
        EditStage(path, stage =>
        {
            stage.Remove("label_type");
            stage.Remove("probability_column");
        });

        var loaded = (TransformerChain<ITransformer>)_ml.Peft().Model.Load(path, out _);
        using var reloaded = (LoraTextClassificationTransformer)loaded.Last();

        Assert.False(reloaded.IsBinary);
        var holdout = _ml.Data.LoadFromEnumerable(SentimentRows.Create(20, seed: 42));
        Assert.Equal(
            model.Transform(holdout).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()),
            loaded.Transform(holdout).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()));
    }

    [Fact]
    public void Fit_ValidationLabelOfTheOtherType_IsRefusedNamingBoth()
    {
        var keyed = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(ToyData(16)).Transform(ToyData(16));
        var estimator = _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, Epochs = 1, ValidationSet = keyed });

        var binaryWithKeys = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(ToyData(16)));
        var keysWithBinary = Assert.Throws<ArgumentOutOfRangeException>(() =>
            _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, Epochs = 1, ValidationSet = ToyData(16) }).Fit(keyed));

        Assert.StartsWith("ValidationSet: ", binaryWithKeys.Message);
        Assert.Contains("The validation set's label column 'Label' is a key (multiclass) but the training data's is Boolean (binary)", binaryWithKeys.Message);
        Assert.Contains("The validation set's label column 'Label' is Boolean (binary) but the training data's is a key (multiclass)", keysWithBinary.Message);
    }

    [Fact]
    public void Fit_WithBooleanValidationSet_ReportsAccuracyAndTheCrossEntropyOfProbability()
    {
        var validation = Holdout();
        var estimator = _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Epochs = 2,
            LearningRate = 1e-2,
            ValidationSet = validation,
            MergeAdapterForPrediction = false,
        });

        using var classifier = estimator.Fit(ToyData(96));

        var info = classifier.TrainingInfo!;
        Assert.Equal(2, info.ValidationAccuracy.Count);
        var predictions = Predictions(classifier.Transform(validation));
        var labels = validation.GetColumn<bool>("Label").ToArray();
        double crossEntropy = predictions.Select((p, i) => -Math.Log(labels[i] ? p.Probability : 1 - p.Probability)).Average();
        Assert.Equal(crossEntropy, info.ValidationLoss[^1], 3);
        Assert.Equal(predictions.Select((p, i) => p.PredictedLabel == labels[i] ? 1.0 : 0.0).Average(), info.ValidationAccuracy[^1], 6);
    }

    [Fact]
    public void Fit_EveryRowPredictedAsOneClass_NamesTheBooleanClass()
    {
        var rows = Enumerable.Range(0, 32).Select(i => new BooleanSentimentRow { Text = "the same words", Label = i % 2 == 0 }).ToList();

        using var classifier = Estimator(epochs: 1).Fit(_ml.Data.LoadFromEnumerable(rows));

        string warning = Assert.Single(classifier.TrainingInfo!.Warnings);
        Assert.Matches("is '(true|false)', although its labels hold 2 classes", warning);
    }

    [Fact]
    public void Fit_LabelNeitherKeyNorBoolean_SaysWhichTypesChooseWhichOutput()
    {
        var data = _ml.Data.LoadFromEnumerable(new[] { new NumberLabelRow { Text = "good", Label = 1 } });
        var estimator = Estimator(epochs: 1);

        var fromShape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapes.Of(data.Schema)));
        var fromFit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        foreach (var error in new[] { fromShape, fromFit })
        {
            Assert.Contains("Schema mismatch for label column 'Label': expected Key (MapValueToKey) for multiclass or Boolean for binary, got Single", error.Message);
        }
    }

    [Fact]
    public void Options_ProbabilityColumnNameLikeAnother_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, ProbabilityColumnName = "Score" }));

        Assert.Contains("`ScoreColumnName` and `ProbabilityColumnName` must differ, both are \"Score\"", error.Message);
    }

    [Fact]
    public void Transform_CustomProbabilityColumnName_IsUsed()
    {
        var data = ToyData(16);
        using var classifier = _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, Epochs = 1, ProbabilityColumnName = "PTrue" }).Fit(data);

        var metrics = _ml.BinaryClassification.Evaluate(classifier.Transform(data), probabilityColumnName: "PTrue");

        Assert.InRange(metrics.AreaUnderRocCurve, 0, 1);
        Assert.Null(classifier.GetOutputSchema(data.Schema).GetColumnOrNull("Probability"));
    }

    private LoraTextClassificationTransformer Fit(IDataView data, int epochs) => Estimator(epochs).Fit(data);

    private LoraTextClassificationEstimator Estimator(int epochs) => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
    {
        Backbone = _backbone,
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 1e-2,
    });

    private static List<BooleanSentimentRow> BooleanRows(int count, int seed) => SentimentRows.CreateBoolean(count, seed);

    private IDataView ToyData(int count) => _ml.Data.LoadFromEnumerable(BooleanRows(count, seed: 3));

    private IDataView Holdout() => _ml.Data.LoadFromEnumerable(BooleanRows(100, seed: 42));

    private List<BinaryPrediction> Predictions(IDataView scored) => _ml.Data.CreateEnumerable<BinaryPrediction>(scored, reuseRowObject: false).ToList();

    private static T Annotation<T>(DataViewSchema.Column column, string name)
    {
        T value = default!;
        column.Annotations.GetValue(name, ref value);
        return value;
    }

    private static string? StageField(string path, string field)
    {
        using var zip = ZipFile.OpenRead(path);
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith("/stage.json", StringComparison.Ordinal)).Open();
        return JsonNode.Parse(stream)![field]?.GetValue<string>();
    }

    private static void EditStage(string path, Action<JsonObject> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith("/stage.json", StringComparison.Ordinal));
        string name = entry.FullName;
        JsonObject stage;
        using (var stream = entry.Open())
        {
            stage = (JsonObject)JsonNode.Parse(stream)!;
        }

        edit(stage);
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(stage.ToJsonString());
    }

    private sealed record BinaryPrediction
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }

    private sealed class NumberLabelRow
    {
        public string Text { get; set; } = string.Empty;

        public float Label { get; set; }
    }
}
