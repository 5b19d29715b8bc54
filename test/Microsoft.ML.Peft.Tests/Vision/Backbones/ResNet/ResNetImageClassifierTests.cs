// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.ResNet;
using Microsoft.ML.Peft.Vision.ImageClassification;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.ResNet;

public sealed class ResNetImageClassifierTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-resnet-" + Guid.NewGuid().ToString("N"));

    public ResNetImageClassifierTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ImageClassifier_OnResNet18_TrainsSavesAPackageReferenceAndReopensItOnLoad()
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 2));
        var pipeline = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(new ImageClassifierOptions { Backbone = VisionBackbones.ResNet18(), Epochs = 1, BatchSize = 4, Augment = false }));
        using var model = pipeline.Fit(rows);
        var classifier = model.LastTransformer;
        var scores = Scores(ml, model.Transform(rows));

        // The default adapter is LoRA on the stem's and every block's conv1 and conv2, with the head fc saved whole, under torchvision's names.
        classifier.SaveAdapter(Path.Combine(_directory, "adapter"));
        var adapter = SafeTensorsFile.Read(Path.Combine(_directory, "adapter", "adapter_model.safetensors"));
        Assert.Contains("base_model.model.conv1.lora_A.weight", adapter.Keys);
        Assert.Contains("base_model.model.layer4.1.conv2.lora_B.weight", adapter.Keys);
        Assert.Contains("base_model.model.fc.weight", adapter.Keys);
        Assert.DoesNotContain(adapter.Keys, k => k.Contains("downsample", StringComparison.Ordinal) || k.Contains("bn", StringComparison.Ordinal));
        foreach (var tensor in adapter.Values)
        {
            tensor.Dispose();
        }

        string path = Path.Combine(_directory, "model.zip");
        ml.Peft().Model.Save(model, rows.Schema, path);

        // The archive names the package instead of holding its 46 MB of weights: it holds the adapter (1.4 MB) and little else.
        Assert.True(new FileInfo(path).Length < 2_000_000, $"{new FileInfo(path).Length} bytes");
        using (var archive = ZipFile.OpenRead(path))
        {
            var stages = archive.Entries.Where(e => e.Name == "stage.json").Select(e => new StreamReader(e.Open()).ReadToEnd()).ToList();
            Assert.Contains(stages, s => s.Contains(ResNet18Package.SourceName, StringComparison.Ordinal) && s.Contains(ResNetArchitecture.Type, StringComparison.Ordinal));
        }

        var loaded = ml.Peft().Model.Load(path, out _);
        try
        {
            Assert.Equal(scores, Scores(ml, loaded.Transform(rows)));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void ImageClassifier_OnResNet18_LearnsRedAgainstBlueImages()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(new ImageClassifierOptions { Backbone = VisionBackbones.ResNet18(), Epochs = 3, BatchSize = 8, LearningRate = 1e-2, Augment = false }));
        using var model = pipeline.Fit(ml.Data.LoadFromEnumerable(ImageRows.Create(16, seed: 2)));

        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 9))));

        Assert.True(metrics.MicroAccuracy >= 0.85, $"accuracy {metrics.MicroAccuracy}");
        // LoRA r8 on 19 convolutions and the head: about 2 % of the 15.9 million parameters.
        Assert.True(model.LastTransformer.TrainingInfo!.TrainableParameters < 400_000, $"{model.LastTransformer.TrainingInfo.TrainableParameters} trainable parameters");
    }

    [Fact]
    public void ResNetClassifier_StateDict_IsTorchvisionsResNetWithItsHead()
    {
        using var classifier = ResNetArchitecture.Instance.CreateImageClassifier(new ResNetModel(new[] { 2, 2, 2, 2 }), 3);

        var expected = ResNetOnnxImportTests.TorchvisionKeys(new[] { 2, 2, 2, 2 }).Concat(new[] { "fc.weight", "fc.bias" }).OrderBy(k => k, StringComparer.Ordinal);
        Assert.Equal(expected, classifier.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal));
        using var scope = NewDisposeScope();
        classifier.eval();
        Assert.Equal(new long[] { 1, 3 }, classifier.call(zeros(1, 3, 64, 64)).shape);
    }

    [Fact]
    public void ResNetClassifier_BuiltAndDisposed_LeavesNoTensorAliveAndStartsAtZero()
    {
        ResNetArchitecture.Instance.CreateImageClassifier(new ResNetModel(new[] { 1, 1, 1, 1 }), 2).Dispose();
        long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (var classifier = ResNetArchitecture.Instance.CreateImageClassifier(new ResNetModel(new[] { 1, 1, 1, 1 }), 2))
        using (var scope = NewDisposeScope())
        {
            // In-place zero_() would leave a tensor per call; the head is zeroed through nn.init.
            Assert.All(classifier.state_dict().Where(p => p.Key.StartsWith("fc.", StringComparison.Ordinal)), p => Assert.Equal(0f, p.Value.abs().max().item<float>()));
        }

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void TargetModules_Conv1AndConv2_SelectTheStemAndEveryBlocksConvolutionsByTorchvisionName()
    {
        using var classifier = ResNetArchitecture.Instance.CreateImageClassifier(new ResNetModel(new[] { 2, 2, 2, 2 }), 3);
        var config = new LoraConfig { TargetModules = ModuleSelector.FromNames("conv1", "conv2") };

        var selected = classifier.named_modules().Where(m => TargetModuleMatcher.IsTarget(config, config.TargetModules, m.name)).ToList();

        var expected = new[] { "conv1" }.Concat(
            from layer in Enumerable.Range(1, 4)
            from block in Enumerable.Range(0, 2)
            from conv in new[] { "conv1", "conv2" }
            select $"layer{layer}.{block}.{conv}");
        Assert.Equal(expected, selected.Select(m => m.name));
        Assert.All(selected, m => Assert.IsType<Conv2d>(m.module));
    }

    [Fact]
    public void TargetModules_ArchitectureDefault_AreTheConvolutionsAndTheHeadIsSavedWhole()
    {
        using var classifier = ResNetArchitecture.Instance.CreateImageClassifier(new ResNetModel(new[] { 2, 2, 2, 2 }), 3);
        var config = new LoraConfig { TargetModules = ModuleSelector.FromNames(ResNetArchitecture.Instance.DefaultTargetModules.ToArray()) };

        var selected = classifier.named_modules().Where(m => TargetModuleMatcher.IsTarget(config, config.TargetModules, m.name)).ToList();

        Assert.Equal(17, selected.Count);
        Assert.All(selected, m => Assert.IsType<Conv2d>(m.module));
        Assert.Equal(new[] { "fc" }, ResNetArchitecture.Instance.ImageClassifierHeadModules);
    }

    private static float[][] Scores(MLContext ml, IDataView scored) =>
        ml.Data.CreateEnumerable<ScoreRow>(scored, reuseRowObject: false).Select(r => r.Score).ToArray();

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
