// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Vision.NormTunedDetection;

/// <summary>
/// The norm-tuned detector (GenD's recipe) on tiny backbones: only the norms and the head train, BatchNorm statistics stay
/// the pretrained ones, it learns a separable problem, its metrics agree with ML.NET's, and its label errors.
/// </summary>
public sealed class NormTunedDetectionEstimatorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-detector-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Fit_TinyCnn_TrainsOnlyTheBatchNormAffineValuesAndTheHead_KeepsTheStatistics_AndSeparatesTheClasses()
    {
        var ml = new MLContext(seed: 1);
        var backbone = Backbone();
        var data = ml.Data.LoadFromEnumerable(ImageRows.CreateBoolean(64, seed: 2));
        var options = new NormTunedDetectorOptions { Backbone = backbone, Epochs = 6, BatchSize = 16, LearningRate = 5e-2, Augment = false };

        using var detector = ml.Peft().NormTunedDetector(options).Fit(data);

        var names = TrainableNames(detector);
        Assert.Equal(new[] { "cnn.bn1.ln_tuning_layers.default.bias", "cnn.bn1.ln_tuning_layers.default.weight" }, names.Where(n => !n.StartsWith("classifier.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains(names, n => n.StartsWith("classifier.", StringComparison.Ordinal));
        using (var fresh = (TinyCnnEncoder)backbone.CreateEncoder())
        {
            var trained = (TinyCnnEncoder)detector.Network.Network.Encoder;
            Assert.Equal(0.0, ModelState.MaxAbsDifference(fresh.BatchNorm.running_mean!, trained.BatchNorm.running_mean!));
            Assert.Equal(0.0, ModelState.MaxAbsDifference(fresh.BatchNorm.running_var!, trained.BatchNorm.running_var!));
        }

        var scored = detector.Transform(ml.Data.LoadFromEnumerable(ImageRows.CreateBoolean(32, seed: 9)));
        var metrics = ml.Peft().EvaluateDetector(scored);
        var mlnet = ml.BinaryClassification.EvaluateNonCalibrated(scored);
        Assert.True(detector.IsBinary);
        Assert.True(metrics.AreaUnderRocCurve >= 0.9, $"AUROC {metrics.AreaUnderRocCurve:F3}");
        Assert.Equal(mlnet.AreaUnderRocCurve, metrics.AreaUnderRocCurve, 6);
        Assert.Equal(mlnet.Accuracy, metrics.Accuracy, 6);
        Assert.InRange(metrics.EqualErrorRate, 0, 0.25);
        Assert.Equal((16, 16), (metrics.PositiveCount, metrics.NegativeCount));
    }

    [Fact]
    public void Fit_TinyVit_TrainsEveryLayerNormAndTheHeadOnly_AndExportsLnTuningWithTheHeadInModulesToSave()
    {
        var ml = new MLContext(seed: 1);
        var backbone = PretrainedModel.FromDirectory(TinyVitFolder.Write(Path.Combine(_directory, "vit")));
        var data = ml.Data.LoadFromEnumerable(ImageRows.CreateBoolean(8, seed: 2));

        using var detector = ml.Peft().NormTunedDetector(backbone, epochs: 1, batchSize: 4).Fit(data);

        var norms = TrainableNames(detector).Where(n => !n.StartsWith("classifier.", StringComparison.Ordinal)).ToList();
        Assert.All(norms, n => Assert.Contains(".ln_tuning_layers.default.", n, StringComparison.Ordinal));
        int layers = TinyVitFolder.Config.NumHiddenLayers;

        // layernorm_before and layernorm_after in every layer and the final layernorm, a weight and a bias each.
        Assert.Equal(2 * ((2 * layers) + 1), norms.Count);

        string folder = Path.Combine(_directory, "adapter");
        detector.SaveAdapter(folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal("LN_TUNING", config["peft_type"]!.GetValue<string>());
        Assert.Contains("classifier", config["modules_to_save"]!.AsArray().Select(v => v!.GetValue<string>()));
        var keys = SafeTensorsFile.ReadHeader(Path.Combine(folder, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name).ToList();
        Assert.Contains(keys, k => k.EndsWith("layernorm_before.ln_tuning_layers.weight", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.Contains("classifier", StringComparison.Ordinal));
    }

    [Fact]
    public void FeaturesColumn_HoldsTheUnitLengthHeadInput_AsTheEstimatorsShapeSays_AndSurvivesSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var backbone = Backbone();
        var data = ml.Data.LoadFromEnumerable(ImageRows.CreateBoolean(8, seed: 2));
        var estimator = ml.Peft().NormTunedDetector(new NormTunedDetectorOptions { Backbone = backbone, Epochs = 1, BatchSize = 4, FeaturesColumnName = "Features" });
        var shape = estimator.GetOutputSchema(SchemaShapes.Of(data.Schema));

        using var detector = estimator.Fit(data);
        var scored = detector.Transform(data);
        var type = (VectorDataViewType)scored.Schema["Features"].Type;
        var rows = ml.Data.CreateEnumerable<FeaturesRow>(scored, reuseRowObject: false).ToList();

        Assert.Equal(4, scored.Schema["Features"].Index - data.Schema.Count + 1);
        var column = shape.Single(c => c.Name == "Features");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, column.Kind);
        Assert.Equal(type.Size, detector.Network.Network.Encoder.FeatureSize);
        Assert.All(rows, r => Assert.Equal(1.0, Math.Sqrt(r.Features.Sum(v => (double)v * v)), 5));

        string path = Path.Combine(_directory, "detector.zip");
        ml.Peft().Model.Save(detector, data.Schema, path);
        var loaded = (TransformerChain<ITransformer>)ml.Peft().Model.Load(path, out _, backbone);
        using var reloaded = (ImageClassificationTransformer)loaded.Single();
        Assert.Equal(rows.Select(r => r.Features), ml.Data.CreateEnumerable<FeaturesRow>(reloaded.Transform(data), reuseRowObject: false).Select(r => r.Features));
    }

    [Fact]
    public void Fit_OneClassOnly_IsRefusedNamingTheColumnAndTheMissingClass()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImageRows.CreateBoolean(8, seed: 2).Where(r => r.Label).ToList();

        var error = Assert.Throws<ArgumentException>(() => ml.Peft().NormTunedDetector(Backbone(), epochs: 1).Fit(ml.Data.LoadFromEnumerable(rows)));

        Assert.Contains("'Label' = true", error.Message, StringComparison.Ordinal);
        Assert.Contains("whose label is false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_KeyLabel_IsRefusedNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Fit(ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 2))).Transform(ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 2)));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Peft().NormTunedDetector(Backbone(), epochs: 1).Fit(data));

        Assert.Contains("Boolean label", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Label'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateDetector_ScoreOfAnotherType_IsRefusedNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new WrongScore { Label = true, Score = 1, PredictedLabel = true } });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Peft().EvaluateDetector(data));

        Assert.Contains("'Score'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Single", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_HaveGenDsOptimisation()
    {
        var options = new NormTunedDetectorOptions();

        Assert.Equal(3e-4, options.LearningRate);
        Assert.Equal(0, options.WeightDecay);
        Assert.Equal(LearningRateDecay.Cosine, options.LearningRateDecay);
    }

    // Without PEFT's wrapper prefix, as the model's own modules are named.
    private static List<string> TrainableNames(ImageClassificationTransformer transformer) =>
        transformer.Network.Peft.NamedTrainableParameters().Select(p => p.Name.Replace("base_model.model.", string.Empty, StringComparison.Ordinal)).ToList();

    private PretrainedModel Backbone() => PretrainedModel.FromDirectory(TinyCnnFolder.Write(Path.Combine(_directory, "cnn-" + Guid.NewGuid().ToString("N"))));

    private sealed class FeaturesRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class WrongScore
    {
        public bool Label { get; set; }

        public double Score { get; set; }

        public bool PredictedLabel { get; set; }
    }
}
