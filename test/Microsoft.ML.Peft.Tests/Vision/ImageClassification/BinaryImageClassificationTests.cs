// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Vision.ImageClassification;

/// <summary>The image classifier on a Boolean label, on the tiny CNN: the binary columns, their evaluation and their persistence.</summary>
public sealed class BinaryImageClassificationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-imagebin-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Fit_BooleanLabel_EvaluatesAsBinaryAndSavesAndLoadsAsBinary()
    {
        var ml = new MLContext(seed: 1);
        var backbone = PretrainedModel.FromDirectory(TinyCnnFolder.Write(Path.Combine(_directory, "cnn")));
        var data = ml.Data.LoadFromEnumerable(Rows(64, seed: 2));
        var estimator = ml.Peft().ImageClassifier(new ImageClassifierOptions { Backbone = backbone, Epochs = 4, BatchSize = 16, LearningRate = 2e-2, Augment = false });
        var shape = estimator.GetOutputSchema(SchemaShapes.Of(data.Schema));

        using var classifier = estimator.Fit(data);
        var test = ml.Data.LoadFromEnumerable(Rows(32, seed: 9));
        var scored = classifier.Transform(test);
        var metrics = ml.BinaryClassification.Evaluate(scored);

        Assert.True(classifier.IsBinary);
        Assert.True(metrics.AreaUnderRocCurve >= 0.9, $"AUC {metrics.AreaUnderRocCurve:F3}");
        var schema = classifier.GetOutputSchema(data.Schema);
        Assert.Equal(new[] { "Score", "Probability", "PredictedLabel" }, schema.Skip(data.Schema.Count).Select(c => c.Name));
        Assert.Equal(BooleanDataViewType.Instance, schema["PredictedLabel"].Type);
        Assert.Equal(
            shape.Where(c => schema[c.Name].Index >= data.Schema.Count).Select(c => (c.Name, c.ItemType.RawType, string.Join(",", c.Annotations.Select(a => a.Name).Order()))),
            schema.Skip(data.Schema.Count).Select(c => (c.Name, c.Type.RawType, string.Join(",", c.Annotations.Schema.Select(a => a.Name).Order()))));
        var predictions = Predictions(ml, scored);
        Assert.All(predictions, p => Assert.Equal(p.Probability > 0.5f, p.PredictedLabel));

        string path = Path.Combine(_directory, "binary.zip");
        ml.Peft().Model.Save(classifier, data.Schema, path);
        var loaded = (TransformerChain<ITransformer>)ml.Peft().Model.Load(path, out _, backbone);
        using var reloaded = (ImageClassificationTransformer)loaded.Single();
        Assert.True(reloaded.IsBinary);
        Assert.Equal(predictions, Predictions(ml, reloaded.Transform(test)));
    }

    private static IEnumerable<BooleanImageRow> Rows(int count, int seed) => ImageRows.CreateBoolean(count, seed).ToList();

    private static List<BinaryPrediction> Predictions(MLContext ml, IDataView scored) =>
        ml.Data.CreateEnumerable<BinaryPrediction>(scored, reuseRowObject: false).ToList();

    private sealed record BinaryPrediction
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }
}
