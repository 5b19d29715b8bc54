// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Text.TextClassification;

/// <summary>
/// The text classifier with methods other than LoRA and no targets set: the method's defaults for the architecture are
/// filled in, the classifier trains and predicts, and the exported adapter carries them.
/// </summary>
public sealed class TextClassifierMethodDefaultsTests : IDisposable
{
    // Tiny BERT: hidden 32, intermediate 64, 2 layers; the head (32·2 + 2) trains in full.
    private const int Head = (32 * 2) + 2;

    // The encoder is random, so (IA)³ and LN tuning, which only rescale what it computes, learn the toy task less well than
    // LoRA (its own test reaches 0.9); held-out accuracy is 0.73 and 0.64 with this seed, against 0.5 for chance.
    private const double MinimumAccuracy = 0.6;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-textcls-methods-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public TextClassifierMethodDefaultsTests()
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
    public void Fit_IA3WithoutTargets_UsesPeftsBertDefaultsTrainsAndPredicts()
    {
        var config = Fit(new IA3Config(), out var accuracy, out long trainable);

        Assert.Equal(new[] { "key", "value", "output.dense" }, Names(config["target_modules"]));
        Assert.Equal(new[] { "output.dense" }, Names(config["feedforward_modules"]));
        Assert.Equal("IA3", config["peft_type"]!.GetValue<string>());

        // key, value (32 each, output-scaled), attention.output.dense (32) and output.dense (64), both input-scaled, per layer.
        Assert.Equal((2 * (32 + 32 + 32 + 64)) + Head, trainable);
        Assert.True(accuracy >= MinimumAccuracy, $"held-out accuracy {accuracy:F3}");
        Assert.True(MaxDistance(Path.Combine(_directory, "adapter-IA3"), "ia3_l", 1f) > 1e-3, "the (IA)³ vectors never left their initial ones");
    }

    [Fact]
    public void Fit_LayerNormTuningWithoutTargets_TunesEveryLayerNormTrainsAndPredicts()
    {
        var config = Fit(new LayerNormTuningConfig(), out var accuracy, out long trainable);

        Assert.Equal(new[] { "LayerNorm" }, Names(config["target_modules"]));
        Assert.Equal("LN_TUNING", config["peft_type"]!.GetValue<string>());

        // The embeddings' LayerNorm and two per layer, weight and bias of 32 each.
        Assert.Equal((5 * 2 * 32) + Head, trainable);
        Assert.True(accuracy >= MinimumAccuracy, $"held-out accuracy {accuracy:F3}");
        Assert.True(MaxDistance(Path.Combine(_directory, "adapter-LN_TUNING"), "ln_tuning_layers.weight", 1f) > 1e-3, "the LayerNorm copies never left the initial weights of one");
    }

    private JsonObject Fit(PeftConfig method, out double accuracy, out long trainable)
    {
        var data = _ml.Data.LoadFromEnumerable(SentimentRows.Create(160, seed: 3));
        var model = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Method = method,
            Epochs = 20,
            BatchSize = 32,
            LearningRate = 5e-2,
        })).Fit(data);
        using var classifier = model.LastTransformer;

        var holdout = _ml.Data.LoadFromEnumerable(SentimentRows.Create(100, seed: 42));
        accuracy = _ml.MulticlassClassification.Evaluate(model.Transform(holdout), labelColumnName: "Label").MicroAccuracy;
        trainable = classifier.TrainingInfo!.TrainableParameters;
        Assert.Null(method.TargetModules);

        string folder = Path.Combine(_directory, "adapter-" + method.PeftType);
        classifier.SaveAdapter(folder);
        return JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!.AsObject();
    }

    // The largest |value − initial| over the saved tensors whose key ends with the suffix (all start at the given value here).
    private static float MaxDistance(string folder, string suffix, float initial)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var tensors = Microsoft.ML.Peft.Formats.SafeTensors.SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var matching = tensors.Where(t => t.Key.EndsWith(suffix, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(matching);
        return matching.Max(t => (t.Value - initial).abs().max().item<float>());
    }

    private static string[] Names(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
}
