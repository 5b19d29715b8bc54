// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.Clip;
using Microsoft.ML.Peft.Vision.ImageClassification;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

/// <summary>
/// CLIP's image tower under <c>mlContext.Peft().ImageClassifier</c>, laid out as transformers' <c>CLIPForImageClassification</c>:
/// <c>vision_model</c> and a linear <c>classifier</c> over the mean of the patch tokens' last hidden states.
/// </summary>
public sealed class ClipImageClassifierTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-clip-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void ImageClassifier_OnTinyClip_LearnsRedAgainstBlueWithLoraOnTheImageTowersQueryAndValue()
    {
        var backbone = PretrainedModel.FromDirectory(TinyClipFolder.Write(Path.Combine(_directory, "clip")));
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(new ImageClassifierOptions { Backbone = backbone, Epochs = 4, BatchSize = 16, LearningRate = 2e-2, Augment = false }));

        using var model = pipeline.Fit(ml.Data.LoadFromEnumerable(ImageRows.Create(64, seed: 2)));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(ImageRows.Create(32, seed: 9))));

        Assert.True(metrics.MicroAccuracy >= 0.9, $"accuracy {metrics.MicroAccuracy}");
        var info = model.LastTransformer.TrainingInfo!;
        Assert.True(info.TrainableParameters < info.TotalParameters);

        // PEFT's keys over CLIPForImageClassification: LoRA on the image tower's q_proj and v_proj, the head saved whole.
        model.LastTransformer.SaveAdapter(Path.Combine(_directory, "adapter"));
        var adapter = SafeTensorsFile.Read(Path.Combine(_directory, "adapter", "adapter_model.safetensors"));
        var expected = new[]
        {
            "base_model.model.classifier.bias",
            "base_model.model.classifier.weight",
            "base_model.model.vision_model.encoder.layers.0.self_attn.q_proj.lora_A.weight",
            "base_model.model.vision_model.encoder.layers.0.self_attn.q_proj.lora_B.weight",
            "base_model.model.vision_model.encoder.layers.0.self_attn.v_proj.lora_A.weight",
            "base_model.model.vision_model.encoder.layers.0.self_attn.v_proj.lora_B.weight",
        };
        Assert.Equal(expected, adapter.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var tensor in adapter.Values)
        {
            tensor.Dispose();
        }

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "adapter", "adapter_config.json")))!;
        Assert.Equal(new[] { "q_proj", "v_proj" }, config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void ImageClassifier_OnTinyClip_SavedAndLoadedScoresAsBeforeFromTheRecordedFolder()
    {
        var backbone = PretrainedModel.FromDirectory(TinyClipFolder.Write(Path.Combine(_directory, "clip")));
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 3));
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(backbone, epochs: 1, batchSize: 4))
            .Fit(rows);
        var scores = Scores(ml, model.Transform(rows));
        string path = Path.Combine(_directory, "model.zip");

        ml.Peft().Model.Save(model, rows.Schema, path);
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
    public void ImageClassifier_FolderWithoutPreprocessorConfig_ProcessesAt224AndIsRefusedNamingImageSize()
    {
        var backbone = PretrainedModel.FromDirectory(TinyClipFolder.Write(Path.Combine(_directory, "clip"), writeProcessor: false));
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(backbone, epochs: 1, batchSize: 4));

        var error = Record.Exception(() => pipeline.Fit(ml.Data.LoadFromEnumerable(ImageRows.Create(4, seed: 2))));

        // CLIPImageProcessor's defaults give 224-pixel images; the tiny tower reads 16.
        Assert.NotNull(error);
        var message = string.Join(" | ", Chain(error));
        Assert.Contains("224x224", message, StringComparison.Ordinal);
        Assert.Contains("vision_config.image_size", message, StringComparison.Ordinal);
        Assert.Contains("preprocessor_config.json", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClipClassifier_StateDict_IsCLIPForImageClassificationsKeys()
    {
        var model = TinyClipFolder.Model();
        var vision = model.VisionModel.state_dict().Keys.Select(k => "vision_model." + k).ToList();

        using var classifier = ClipArchitecture.Instance.CreateImageClassifier(model, 3);

        var expected = vision.Concat(new[] { "classifier.weight", "classifier.bias" }).OrderBy(k => k, StringComparer.Ordinal);
        Assert.Equal(expected, classifier.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.DoesNotContain(classifier.state_dict().Keys, k => k.StartsWith("text_model.", StringComparison.Ordinal) || k.Contains("projection", StringComparison.Ordinal) || k == "logit_scale");
        using var scope = NewDisposeScope();
        classifier.eval();
        Assert.Equal(new long[] { 2, 3 }, classifier.call(zeros(2, 3, TinyClipFolder.ImageSize, TinyClipFolder.ImageSize)).shape);
    }

    [Fact]
    public void ClipClassifier_Features_AreTheMeanOfThePatchTokensBeforePostLayerNorm()
    {
        var model = TinyClipFolder.Model();
        var tower = model.VisionModel;
        using var classifier = ClipArchitecture.Instance.CreateImageClassifier(model, 2);
        using var scope = NewDisposeScope();
        classifier.eval();
        manual_seed(5);
        var pixels = randn(2, 3, TinyClipFolder.ImageSize, TinyClipFolder.ImageSize);

        var features = tower.call(pixels);
        var head = (Linear)classifier.named_modules().Single(m => m.name == "classifier").module;

        Assert.Equal(new long[] { 2, 16 }, features.shape);
        Assert.True(classifier.call(pixels).allclose(head.call(features), atol: 1e-6));
    }

    [Fact]
    public void TargetModules_ArchitectureDefault_SelectQProjAndVProjOfEveryImageTowerLayer()
    {
        using var classifier = ClipArchitecture.Instance.CreateImageClassifier(TinyClipFolder.Model(), 3);
        var config = new LoraConfig { TargetModules = ModuleSelector.FromNames(ClipArchitecture.Instance.DefaultTargetModules.ToArray()) };

        var selected = classifier.named_modules().Where(m => TargetModuleMatcher.IsTarget(config, config.TargetModules, m.name)).ToList();

        Assert.Equal(new[] { "vision_model.encoder.layers.0.self_attn.v_proj", "vision_model.encoder.layers.0.self_attn.q_proj" }, selected.Select(m => m.name));
        Assert.All(selected, m => Assert.IsType<Linear>(m.module));
    }

    private static float[][] Scores(MLContext ml, IDataView scored) =>
        ml.Data.CreateEnumerable<ScoreRow>(scored, reuseRowObject: false).Select(r => r.Score).ToArray();

    private static IEnumerable<string> Chain(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error.Message;
        }
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
