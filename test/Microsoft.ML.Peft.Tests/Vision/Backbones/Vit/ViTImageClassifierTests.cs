// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.Backbones.Vit;
using Microsoft.ML.Peft.Vision.ImageClassification;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Vit;

/// <summary>
/// <c>mlContext.Peft().ImageClassifier</c> on a tiny ViT folder written in code: it learns, saves and reloads, and exports
/// its default adapter (LoRA on query and value, the head in <c>modules_to_save</c>) under transformers 5's module names.
/// </summary>
public sealed class ViTImageClassifierTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-vit-classifier-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void ImageClassifier_RedAgainstBlueImages_LearnsThem_AndReloadsWithoutTheBackboneScoringAlike()
    {
        var backbone = PretrainedModel.FromDirectory(TinyVitFolder.Write(Path.Combine(_directory, "vit")));
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImageRows.Create(64, seed: 2));
        var pipeline = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(new ImageClassifierOptions { Backbone = backbone, Epochs = 4, BatchSize = 16, LearningRate = 2e-2, Augment = false }));

        using var model = pipeline.Fit(data);
        var test = ml.Data.LoadFromEnumerable(ImageRows.Create(32, seed: 9));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.MicroAccuracy >= 0.9, $"accuracy {metrics.MicroAccuracy}");
        var info = model.LastTransformer.TrainingInfo!;
        Assert.True(info.TrainableParameters < info.TotalParameters);

        // The saved pipeline records the folder, so Load finds the backbone again without it being passed.
        string path = Path.Combine(_directory, "pipeline.zip");
        ml.Peft().Model.Save(model, data.Schema, path);
        var loaded = ml.Peft().Model.Load(path, out _);
        try
        {
            Assert.Equal(Scores(ml, model.Transform(test)), Scores(ml, loaded.Transform(test)));
        }
        finally
        {
            ((IDisposable)loaded).Dispose();
        }
    }

    [Fact]
    public void SaveAdapter_DefaultMethod_WritesLoraOnQueryAndValueUnderTransformers5sNames_WhichLoadBackOntoTheClassicModules()
    {
        var backbone = PretrainedModel.FromDirectory(TinyVitFolder.Write(Path.Combine(_directory, "vit")));
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 2));
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Append(ml.Peft().ImageClassifier(backbone, epochs: 1)).Fit(data);
        string folder = Path.Combine(_directory, "adapter");

        model.LastTransformer.SaveAdapter(folder);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
        Assert.Equal(new[] { "q_proj", "v_proj" }, config["target_modules"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(new[] { "classifier" }, config["modules_to_save"]!.AsArray().Select(v => v!.GetValue<string>()));
        var keys = SafeTensorsFile.ReadHeader(Path.Combine(folder, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name).Order(StringComparer.Ordinal);
        var expected = Enumerable.Range(0, 2)
            .SelectMany(layer => new[] { "q_proj", "v_proj" }.SelectMany(m => new[] { "lora_A", "lora_B" }.Select(w => $"base_model.model.vit.layers.{layer}.attention.{m}.{w}.weight")))
            .Concat(new[] { "base_model.model.classifier.bias", "base_model.model.classifier.weight" });
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys);

        // The exported adapter on a fresh classifier reproduces the trained one.
        var vision = backbone.AsVision("test");
        using var scope = NewDisposeScope();
        using var classifier = vision.Architecture.CreateImageClassifier(vision.CreateEncoder(), classCount: 2);
        using var peft = PeftModel.FromPretrained(classifier, folder);
        Assert.Equal(
            new[] { "vit.encoder.layer.0.attention.attention.query", "vit.encoder.layer.0.attention.attention.value", "vit.encoder.layer.1.attention.attention.query", "vit.encoder.layer.1.attention.attention.value" },
            peft.GetTargetModules("default"));
        var images = new[] { new RgbImage(32, 32, Enumerable.Range(0, 32 * 32 * 3).Select(i => (byte)(i * 7)).ToArray()) };
        var trained = tensor(model.LastTransformer.Network.Score(images, batchSize: 1).Single().Probabilities, new long[] { 1, 2 });
        using var noGrad = no_grad();
        classifier.eval();
        ModelState.AssertClose(trained, nn.functional.softmax(classifier.call(vision.CreateProcessor().Process(images)), 1), 1e-5, "the reloaded adapter's probabilities");
    }

    [Theory]
    [InlineData("output.dense", new[] { "attention.o_proj", "mlp.fc2" })]
    [InlineData("dense", new[] { "fc1", "fc2", "o_proj" })]
    [InlineData("key", new[] { "k_proj" })]
    [InlineData("layernorm_before", new[] { "layernorm_before" })]
    public void SaveAdapter_TargetNames_AreTranslatedToTransformers5sNamesSelectingTheSameModules(string target, string[] exported)
    {
        using var scope = NewDisposeScope();
        using var classifier = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 2);
        var method = target == "layernorm_before" ? (PeftConfig)new LayerNormTuningConfig { TargetModules = ModuleSelector.FromNames(target) } : new LoraConfig { TargetModules = ModuleSelector.FromNames(target) };
        using var peft = PeftModel.Create(classifier, method);
        string folder = Path.Combine(_directory, "adapter");

        peft.SaveAdapter(folder);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal(exported, config["target_modules"]!.AsArray().Select(v => v!.GetValue<string>()));
        using var again = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 2);
        using var reloaded = PeftModel.FromPretrained(again, folder);
        Assert.Equal(peft.GetTargetModules("default"), reloaded.GetTargetModules("default"));
    }

    [Fact]
    public void SaveAdapter_RegexOrLayerFilter_WritesTheAdaptedModulesFullTransformers5Paths()
    {
        using var scope = NewDisposeScope();
        using var classifier = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 2);
        using var peft = PeftModel.Create(classifier, new LoraConfig { TargetModules = ModuleSelector.FromRegex(@".*\.0\.attention\.attention\.(query|value)") });
        peft.AddAdapter("filtered", new LoraConfig { TargetModules = ModuleSelector.FromNames("query"), LayersToTransform = new[] { 1 }, LayersPattern = new[] { "layer" } });
        string folder = Path.Combine(_directory, "adapters");

        peft.SaveAdapter(folder);

        Assert.Equal(new[] { "vit.layers.0.attention.q_proj", "vit.layers.0.attention.v_proj" }, TargetModules(folder));
        Assert.Equal(new[] { "vit.layers.1.attention.q_proj" }, TargetModules(Path.Combine(folder, "filtered")));
        using var again = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 2);
        using var reloaded = PeftModel.FromPretrained(again, folder);
        reloaded.LoadAdapter(Path.Combine(folder, "filtered"), "filtered");
        Assert.Equal(peft.GetTargetModules("default"), reloaded.GetTargetModules("default"));
        Assert.Equal(new[] { "vit.encoder.layer.1.attention.attention.query" }, reloaded.GetTargetModules("filtered"));
    }

    [Fact]
    public void ImageClassifier_FolderWithoutPreprocessorConfig_IsRefusedWhenBuilt_NamingViTImageProcessorsDefaultSizeAndTheFix()
    {
        var bare = PretrainedModel.FromDirectory(TinyVitFolder.Write(Path.Combine(_directory, "bare"), writeProcessor: false));
        var ml = new MLContext(seed: 1);

        var error = Assert.Throws<ArgumentException>(() => ml.Peft().ImageClassifier(bare));

        Assert.Contains("224 x 224", error.Message, StringComparison.Ordinal);
        Assert.Contains("no preprocessor_config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("32 x 32 (image_size in config.json)", error.Message, StringComparison.Ordinal);
        Assert.Contains("{\"height\": 32, \"width\": 32}", error.Message, StringComparison.Ordinal);

        // With the file the same weights train.
        TinyVitFolder.WriteProcessor(bare.Source);
        var fixedUp = PretrainedModel.FromDirectory(bare.Source);
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(fixedUp, epochs: 1))
            .Fit(ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 2)));
    }

    [Fact]
    public void ImageClassifier_PreprocessorConfigOfAnotherSize_IsRefusedNamingTheFile()
    {
        string folder = TinyVitFolder.Write(Path.Combine(_directory, "other-size"));
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), "{\"size\": {\"height\": 64, \"width\": 64}}");

        var error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).Peft().ImageClassifier(PretrainedModel.FromDirectory(folder)));

        Assert.Contains("gives 64 x 64 images (its preprocessor_config.json)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ViTClassifierWithAdapter_TrainStepAndDispose_LeavesNoTensorAlive()
    {
        void Step()
        {
            using var classifier = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 2);
            using var peft = PeftModel.Create(classifier, new LoraConfig { TargetModules = ModuleSelector.FromNames("query", "value"), ModulesToSave = new[] { "classifier" } });
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(classifier.call(randn(2, 3, 32, 32)), tensor(new long[] { 0, 1 }));
            loss.backward();
        }

        // The first step loads what TorchSharp keeps for the process; the second must leave nothing behind (the patch
        // projection's Conv2d would, built without ScopedModules).
        Step();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Step();
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static string[] TargetModules(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!["target_modules"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();

    private static float[][] Scores(MLContext ml, IDataView scored) =>
        ml.Data.CreateEnumerable<ScoreRow>(scored, reuseRowObject: false).Select(r => r.Score).ToArray();

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
