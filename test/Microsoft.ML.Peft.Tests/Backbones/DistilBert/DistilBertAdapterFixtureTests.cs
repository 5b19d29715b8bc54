// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.DistilBert;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.DistilBert;

/// <summary>
/// Real LoRA adapters that Python PEFT trained on distilbert-base-uncased, loaded onto this package's
/// DistilBertForSequenceClassification built from distilbert-base-uncased's configuration (random weights).
/// </summary>
public sealed class DistilBertAdapterFixtureTests
{
    [SharedFixtureTheory("peft-adapters")]
    [InlineData("distilbert-emotion-lora")]
    [InlineData("distilbert-imdb-lora")]
    public void FromPretrained_RealDistilBertAdapter_EveryKeyLandsOnTheRealArchitecture(string adapter)
    {
        using var scope = NewDisposeScope();
        string folder = SharedFixtures.Path("peft-adapters", adapter);
        var file = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var adapterConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal("distilbert-base-uncased", adapterConfig["base_model_name_or_path"]!.GetValue<string>());
        int labels = (int)file["base_model.model.classifier.weight"].shape[0];
        using var model = DistilBertArchitecture.Instance.CreateSequenceClassifier(
            DistilBertArchitecture.Instance.CreateEncoder(DistilBertBaseUncasedConfig(), "distilbert-base-uncased config"), labels);

        using var peft = PeftModel.FromPretrained(model, folder);

        // Every module the adapter's target_modules name, in every layer, and nothing else.
        var targets = adapterConfig["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        var expectedTargets = Enumerable.Range(0, 6).SelectMany(i => targets.Select(t => $"distilbert.transformer.layer.{i}.attention.{t}"));
        Assert.Equal(expectedTargets.Order(StringComparer.Ordinal), peft.GetTargetModules("default").Order(StringComparer.Ordinal));

        var loaded = peft.GetAdapterStateDict("default");
        Assert.Equal(file.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in file)
        {
            Assert.True(value.eq(loaded[key]).all().item<bool>(), $"'{key}' differs from the file");
        }

        // modules_to_save (pre_classifier and classifier, matched by suffix) are live in the model, as PEFT activates them.
        var state = model.state_dict();
        foreach (string head in new[] { "pre_classifier", "classifier" })
        {
            Assert.True(file[$"base_model.model.{head}.weight"].eq(state[head + ".weight"]).all().item<bool>(), $"{head} is not the adapter's");
        }

        model.eval();
        var ids = tensor(new long[,] { { 101, 1045, 2293, 2009, 102 } });
        using var noGrad = no_grad();
        var logits = model.call(ids, zeros_like(ids), ones_like(ids));
        Assert.Equal(new long[] { 1, labels }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    // distilbert-base-uncased's config.json.
    private static JsonObject DistilBertBaseUncasedConfig() => new()
    {
        ["model_type"] = "distilbert",
        ["vocab_size"] = 30522,
        ["dim"] = 768,
        ["n_layers"] = 6,
        ["n_heads"] = 12,
        ["hidden_dim"] = 3072,
        ["max_position_embeddings"] = 512,
        ["activation"] = "gelu",
        ["dropout"] = 0.1,
        ["attention_dropout"] = 0.1,
        ["seq_classif_dropout"] = 0.2,
        ["qa_dropout"] = 0.1,
        ["sinusoidal_pos_embds"] = false,
        ["tie_weights_"] = true,
        ["pad_token_id"] = 0,
        ["initializer_range"] = 0.02,
    };
}
