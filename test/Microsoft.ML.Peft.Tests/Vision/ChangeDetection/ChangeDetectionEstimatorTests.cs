// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

namespace Microsoft.ML.Peft.Tests.Vision.ChangeDetection;

/// <summary>
/// The change detector on the tiny CNN: only the shared adapter and the decoder train, BatchNorm statistics stay, it finds
/// the change of a learnable problem, its columns and metrics, its adapter's keys, and the errors that name what to fix.
/// </summary>
public sealed class ChangeDetectionEstimatorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-change-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Fit_TinyCnn_TrainsOnlyTheSharedAdapterAndTheDecoder_KeepsTheStatistics_AndFindsTheChange()
    {
        var ml = new MLContext(seed: 1);
        var backbone = Backbone();
        var data = ml.Data.LoadFromEnumerable(ChangePairRows.Create(48, seed: 2));

        using var detector = ml.Peft().ChangeDetector(Options(backbone, epochs: 12)).Fit(data);

        var names = detector.Scorer.Peft.NamedTrainableParameters().Select(p => p.Name).ToList();
        var adapter = names.Where(n => n.Contains("lora_", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { "base_model.model.encoder.conv1.lora_A.default.weight", "base_model.model.encoder.conv1.lora_B.default.weight" }, adapter.Order(StringComparer.Ordinal));
        Assert.All(names.Except(adapter), n => Assert.Contains(".decoder.", n, StringComparison.Ordinal));
        Assert.True(names.Count > adapter.Count, "the decoder trains");
        using (var fresh = (TinyCnnEncoder)backbone.CreateEncoder())
        {
            var trained = (TinyCnnEncoder)detector.Scorer.Network.Encoder;
            Assert.Equal(0.0, ModelState.MaxAbsDifference(fresh.BatchNorm.running_mean!, trained.BatchNorm.running_mean!));
            Assert.Equal(0.0, ModelState.MaxAbsDifference(fresh.BatchNorm.running_var!, trained.BatchNorm.running_var!));
        }

        var test = ml.Data.LoadFromEnumerable(ChangePairRows.Create(24, seed: 9));
        var metrics = ml.Peft().EvaluateChangeDetector(detector.Transform(test));
        Assert.True(metrics.IntersectionOverUnion >= 0.5, $"IoU {metrics.IntersectionOverUnion:F3}, F1 {metrics.F1Score:F3}");
        Assert.Equal(24L * 16 * 16, metrics.TruePositives + metrics.FalsePositives + metrics.FalseNegatives + metrics.TrueNegatives);
        Assert.Equal(48, detector.TrainingInfo!.TrainingPairs);
        Assert.InRange(detector.TrainingInfo.ChangeFraction, 0.01, 0.2);
    }

    [Fact]
    public void Fit_TinyVit_AdaptsQueryAndValueOfTheSharedEncoder_ReadsThePairsResizedToItsInput_AndMapsChangeAtThePairsSize()
    {
        var ml = new MLContext(seed: 1);
        var vit = PretrainedModel.FromDirectory(TinyVitFolder.Write(Path.Combine(_directory, "vit")));
        var data = ml.Data.LoadFromEnumerable(ChangePairRows.Create(16, seed: 2));

        using var detector = ml.Peft().ChangeDetector(new ChangeDetectorOptions { Backbone = vit, Epochs = 1, BatchSize = 8 }).Fit(data);

        // PeftCD's default LoRA on the attention projections, one adapter for both dates, on each of the two layers.
        var adapter = detector.Scorer.Peft.NamedTrainableParameters().Select(p => p.Name).Where(n => n.Contains("lora_", StringComparison.Ordinal)).ToList();
        Assert.Equal(2 * 2 * 2, adapter.Count);
        Assert.All(adapter, n => Assert.Matches(@"^base_model\.model\.encoder\.encoder\.layer\.[01]\.attention\.attention\.(query|value)\.lora_[AB]\.default\.weight$", n));
        Assert.Equal((16, 16), (detector.TileHeight, detector.TileWidth));
        var row = ml.Data.CreateEnumerable<Prediction>(detector.Transform(data), reuseRowObject: false).First();
        Assert.Equal(16 * 16, row.ChangeProbability.Length);
        Assert.All(row.ChangeProbability, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void Transform_AddsAProbabilityMapAndAMaskWithTheTileDimensions_TheMaskBeingTheMapAboveTheThreshold()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ChangePairRows.Create(16, seed: 2));
        var options = Options(Backbone(), epochs: 1);
        options.Threshold = 0.3;
        using var detector = ml.Peft().ChangeDetector(options).Fit(data);

        var scored = detector.Transform(data);
        var probability = Assert.IsType<VectorDataViewType>(scored.Schema["ChangeProbability"].Type);
        var mask = Assert.IsType<VectorDataViewType>(scored.Schema["PredictedMask"].Type);
        Assert.Equal(NumberDataViewType.Single, probability.ItemType);
        Assert.Equal(BooleanDataViewType.Instance, mask.ItemType);
        Assert.Equal(new[] { 16, 16 }, probability.Dimensions.ToArray());
        Assert.Equal(new[] { 16, 16 }, mask.Dimensions.ToArray());
        Assert.Equal((16, 16, 0.3), (detector.TileHeight, detector.TileWidth, detector.Threshold));
        foreach (var row in ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false))
        {
            Assert.Equal(row.ChangeProbability.Select(p => p > 0.3), row.PredictedMask);
        }
    }

    [Fact]
    public void SaveAdapter_WritesTheEncoderAdapterAndTheDecoderUnderTheNetworksNames()
    {
        var ml = new MLContext(seed: 1);
        using var detector = ml.Peft().ChangeDetector(Options(Backbone(), epochs: 1)).Fit(ml.Data.LoadFromEnumerable(ChangePairRows.Create(8, seed: 2)));

        detector.SaveAdapter(Path.Combine(_directory, "adapter"));

        var keys = SafeTensorsFile.ReadHeader(Path.Combine(_directory, "adapter", PeftModel.AdapterWeightsFileName), out _).Select(t => t.Name).ToList();
        Assert.Contains("base_model.model.encoder.conv1.lora_A.weight", keys);
        Assert.Contains("base_model.model.encoder.conv1.lora_B.weight", keys);
        Assert.Contains("base_model.model.decoder.head.weight", keys);
        Assert.All(keys, k => Assert.True(k.Contains(".lora_", StringComparison.Ordinal) || k.StartsWith("base_model.model.decoder.", StringComparison.Ordinal), k));
    }

    [Fact]
    public void Fit_AMaskOfAnotherSize_OrPairsOfAnotherSize_IsRefusedNamingTheRowAndBothSizes()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.Peft().ChangeDetector(Options(Backbone(), epochs: 1));
        var rows = ChangePairRows.Create(4, seed: 2).ToList();
        var small = ChangePairRows.Create(1, seed: 3, side: 12).Single();

        var badMask = rows.Select((r, i) => i == 2 ? new ChangePairRow { Before = r.Before, After = r.After, Mask = small.Mask } : r).ToList();
        var maskError = Assert.Throws<InvalidDataException>(() => estimator.Fit(ml.Data.LoadFromEnumerable(badMask)));
        Assert.Contains("Row 2", maskError.Message, StringComparison.Ordinal);
        Assert.Contains("'Mask') is 12 x 12", maskError.Message, StringComparison.Ordinal);

        var otherTile = rows.Append(small).ToList();
        var tileError = Assert.Throws<InvalidDataException>(() => estimator.Fit(ml.Data.LoadFromEnumerable(otherTile)));
        Assert.Contains("Row 4", tileError.Message, StringComparison.Ordinal);
        Assert.Contains("12 x 12", tileError.Message, StringComparison.Ordinal);
        Assert.Contains("16 x 16", tileError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transform_APairOfAnotherSizeThanTheTrainingPairs_IsRefusedNamingTheRowTheColumnAndTheTile()
    {
        var ml = new MLContext(seed: 1);
        using var detector = ml.Peft().ChangeDetector(Options(Backbone(), epochs: 1)).Fit(ml.Data.LoadFromEnumerable(ChangePairRows.Create(4, seed: 2)));
        var larger = ml.Data.LoadFromEnumerable(ChangePairRows.Create(2, seed: 3, side: 20));

        var error = Assert.Throws<InvalidDataException>(() => ml.Data.CreateEnumerable<Prediction>(detector.Transform(larger), reuseRowObject: false).ToList());

        Assert.Contains("Row 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Before' is 20 x 20", error.Message, StringComparison.Ordinal);
        Assert.Contains("16 x 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangeDetector_BadOptions_AreRefusedWhenBuiltNamingTheOption()
    {
        var ml = new MLContext(seed: 1);
        var clip = PretrainedModel.FromDirectory(TinyClipFolder.Write(Path.Combine(_directory, "clip")));

        Assert.Contains("no spatial feature maps", Assert.Throws<ArgumentException>(() => ml.Peft().ChangeDetector(clip)).Message, StringComparison.Ordinal);
        foreach (double threshold in new[] { 0.0, 1.0, double.NaN })
        {
            var options = Options(Backbone(), epochs: 1);
            options.Threshold = threshold;
            Assert.Equal("Threshold", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Peft().ChangeDetector(options)).ParamName);
        }

        var sameColumns = Options(Backbone(), epochs: 1);
        sameColumns.AfterImageColumnName = sameColumns.BeforeImageColumnName;
        Assert.Contains("`AfterImageColumnName` must differ", Assert.Throws<ArgumentException>(() => ml.Peft().ChangeDetector(sameColumns)).Message.Replace("`BeforeImageColumnName` and ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        var crop = Options(Backbone(), epochs: 1);
        crop.CropSize = 32;
        var cropError = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Peft().ChangeDetector(crop).Fit(ml.Data.LoadFromEnumerable(ChangePairRows.Create(2, seed: 2))));
        Assert.Contains("larger than the training pairs (16 x 16)", cropError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateChangeDetector_CountsEveryPixelOfEveryRow_AndAnEmptyClassGivesNaN()
    {
        var ml = new MLContext(seed: 1);
        // Row 0: truth 1100, predicted 1010 (TP 1, FN 1, FP 1, TN 1). Row 1: truth 0000, predicted 0001 (FP 1, TN 3).
        var rows = new[]
        {
            new ScoredRow { Mask = Mask(1, 1, 0, 0), PredictedMask = new[] { true, false, true, false } },
            new ScoredRow { Mask = Mask(0, 0, 0, 0), PredictedMask = new[] { false, false, false, true } },
        };

        var metrics = ml.Peft().EvaluateChangeDetector(ml.Data.LoadFromEnumerable(rows));

        Assert.Equal((1L, 2L, 1L, 4L), (metrics.TruePositives, metrics.FalsePositives, metrics.FalseNegatives, metrics.TrueNegatives));
        Assert.Equal(1.0 / 3, metrics.Precision, 12);
        Assert.Equal(0.5, metrics.Recall, 12);
        Assert.Equal(2.0 / 5, metrics.F1Score, 12);
        Assert.Equal(1.0 / 4, metrics.IntersectionOverUnion, 12);
        Assert.Equal(5.0 / 8, metrics.OverallAccuracy, 12);

        var none = ml.Peft().EvaluateChangeDetector(ml.Data.LoadFromEnumerable(new[] { new ScoredRow { Mask = Mask(0, 0, 0, 0), PredictedMask = new bool[4] } }));
        Assert.True(double.IsNaN(none.Precision) && double.IsNaN(none.Recall) && double.IsNaN(none.IntersectionOverUnion));
        Assert.Equal(1.0, none.OverallAccuracy);

        var wrongSize = new[] { new ScoredRow { Mask = Mask(0, 0, 0, 0), PredictedMask = new bool[3] } };
        var error = Assert.Throws<InvalidDataException>(() => ml.Peft().EvaluateChangeDetector(ml.Data.LoadFromEnumerable(wrongSize)));
        Assert.Contains("has 3 pixels", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Mask(params int[] values)
    {
        var bgra = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            bgra[4 * i] = bgra[(4 * i) + 1] = bgra[(4 * i) + 2] = (byte)(values[i] * 255);
            bgra[(4 * i) + 3] = 255;
        }

        return ImageRows.Encode(bgra, values.Length, 1);
    }

    private static ChangeDetectorOptions Options(PretrainedModel backbone, int epochs) => new()
    {
        Backbone = backbone,
        Method = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("conv1") },
        Epochs = epochs,
        BatchSize = 8,
        LearningRate = 2e-2,
    };

    private PretrainedModel Backbone() => PretrainedModel.FromDirectory(TinyCnnFolder.Write(Path.Combine(_directory, "cnn-" + Guid.NewGuid().ToString("N"))));

    private sealed class Prediction
    {
        public float[] ChangeProbability { get; set; } = Array.Empty<float>();

        public bool[] PredictedMask { get; set; } = Array.Empty<bool>();
    }

    private sealed class ScoredRow
    {
        public byte[] Mask { get; set; } = Array.Empty<byte>();

        public bool[] PredictedMask { get; set; } = Array.Empty<bool>();
    }
}
