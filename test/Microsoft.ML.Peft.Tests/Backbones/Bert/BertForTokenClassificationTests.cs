// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.Bert;

/// <summary>BERT's token classifier: Hugging Face's keys (no pooler), per-token logits, padding, and PEFT's saved names.</summary>
public sealed class BertForTokenClassificationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-bert-token-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void StateDictKeys_AreHuggingFacesBertForTokenClassificationWithoutPooler()
    {
        using var model = BertArchitecture.Instance.CreateTokenClassifier(CreateEncoder(), labelCount: 5);

        Assert.Equal(HuggingFaceKeys(layers: 2).Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Create_EncoderLoadedWithPooler_RemovesItAndKeepsTheSequenceClassifiersPooler()
    {
        using var encoder = CreateEncoder();
        Assert.True(encoder.HasPooler);

        using var tokens = BertArchitecture.Instance.CreateTokenClassifier(encoder, labelCount: 3);

        Assert.False(encoder.HasPooler);
        Assert.Throws<InvalidOperationException>(() => encoder.Pool(zeros(1, 2, 16)));
        using var sequences = BertArchitecture.Instance.CreateSequenceClassifier(CreateEncoder(), labelCount: 3);
        Assert.Contains("bert.pooler.dense.weight", sequences.state_dict().Keys);
    }

    [Fact]
    public void BertModel_WithoutPoolingLayer_HasNoPoolerKeys()
    {
        using var model = new BertModel(BertConfig.FromJson(TinyConfig(), "config.json"), addPoolingLayer: false);

        Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("pooler.", StringComparison.Ordinal));
        Assert.Equal(HuggingFaceKeys(layers: 2).Count() - 2, model.state_dict().Count);
    }

    [Fact]
    public void Dropout_IsClassifierDropoutElseHiddenDropout()
    {
        var withoutClassifierDropout = TinyConfig();
        withoutClassifierDropout.Remove("classifier_dropout");

        using var preferred = BertArchitecture.Instance.CreateTokenClassifier(CreateEncoder(), labelCount: 2);
        using var fallback = BertArchitecture.Instance.CreateTokenClassifier(BertArchitecture.Instance.CreateEncoder(withoutClassifierDropout, "config.json"), labelCount: 2);

        Assert.Equal(0.3, preferred.Dropout);
        Assert.Equal(0.1, fallback.Dropout);
    }

    [Fact]
    public void Logits_AreTheClassifierOverEveryTokensHiddenState()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var model = BertArchitecture.Instance.CreateTokenClassifier(CreateEncoder(), labelCount: 3);
        model.eval();
        var ids = tensor(new long[,] { { 2, 5, 6, 7, 3 }, { 2, 8, 9, 10, 3 } });
        var types = zeros_like(ids);
        var mask = ones_like(ids);
        var state = model.state_dict();

        using var noGrad = no_grad();
        var logits = model.call(ids, types, mask);
        var expected = nn.functional.linear(model.Encoder.call(ids, types, mask), state["classifier.weight"], state["classifier.bias"]);

        Assert.Equal(new long[] { 2, 5, 3 }, logits.shape);
        ModelState.AssertClose(expected, logits, 0, "logits");
    }

    [Fact]
    public void PaddedBatch_GivesEachRowItsUnpaddedLogits()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var model = BertArchitecture.Instance.CreateTokenClassifier(CreateEncoder(), labelCount: 4);
        model.eval();
        var shorter = tensor(new long[,] { { 2, 8, 9, 3 } });
        var batch = tensor(new long[,] { { 2, 5, 6, 7, 10, 3 }, { 2, 8, 9, 3, 0, 0 } });

        using var noGrad = no_grad();
        var alone = model.call(shorter, zeros_like(shorter), ones_like(shorter));
        var together = model.call(batch, zeros_like(batch), batch.ne(0).to(ScalarType.Int64));

        ModelState.AssertClose(alone[0], together[1].narrow(0, 0, 4), 1e-5, "real tokens of the padded row");
    }

    [Fact]
    public void HeadInitialisation_IsNormalWeightsAndZeroBias()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        using var model = BertArchitecture.Instance.CreateTokenClassifier(CreateEncoder(), labelCount: 400);
        var state = model.state_dict();

        Assert.Equal(0, state["classifier.bias"].abs().sum().item<float>());
        double std = state["classifier.weight"].std().item<float>();
        Assert.InRange(std, 0.018, 0.022);
    }

    [Fact]
    public void SaveAdapter_LoraWithTokenHead_WritesPeftsBertKeys()
    {
        using var scope = NewDisposeScope();
        var architecture = BertArchitecture.Instance;
        using var model = architecture.CreateTokenClassifier(CreateEncoder(), labelCount: 5);
        using var peft = PeftModel.Create(model, new LoraConfig
        {
            TargetModules = ModuleSelector.FromNames(architecture.DefaultTargetModules),
            ModulesToSave = architecture.TokenClassifierHeadModules,
        });

        peft.SaveAdapter(_directory);

        var keys = SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name).ToList();
        Assert.Contains("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight", keys);
        Assert.Contains("base_model.model.classifier.weight", keys);
        var expected = Enumerable.Range(0, 2)
            .SelectMany(i => new[] { "query", "value" }.SelectMany(m => new[] { "lora_A", "lora_B" }
                .Select(l => $"base_model.model.bert.encoder.layer.{i}.attention.self.{m}.{l}.weight")))
            .Concat(new[] { "base_model.model.classifier.weight", "base_model.model.classifier.bias" });
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    /// <summary>A 2-layer bert-base-shaped config.json with a classifier_dropout, which the head prefers to hidden_dropout_prob.</summary>
    private static JsonObject TinyConfig() => new()
    {
        ["model_type"] = "bert",
        ["vocab_size"] = 12,
        ["hidden_size"] = 16,
        ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4,
        ["intermediate_size"] = 32,
        ["max_position_embeddings"] = 24,
        ["type_vocab_size"] = 2,
        ["hidden_dropout_prob"] = 0.1,
        ["classifier_dropout"] = 0.3,
        ["pad_token_id"] = 0,
    };

    private static BertModel CreateEncoder() => (BertModel)BertArchitecture.Instance.CreateEncoder(TinyConfig(), "config.json");

    // Hugging Face's BertForTokenClassification(config).state_dict() keys, read from modeling_bert.py: BertModel built with
    // add_pooling_layer=False (no pooler.dense), position_ids/token_type_ids as non-persistent buffers, then classifier.
    private static IEnumerable<string> HuggingFaceKeys(int layers) =>
        new[]
        {
            "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight", "bert.embeddings.token_type_embeddings.weight",
            "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias",
        }.Concat(Enumerable.Range(0, layers).SelectMany(i => new[]
        {
            "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
        }.SelectMany(m => new[] { $"bert.encoder.layer.{i}.{m}.weight", $"bert.encoder.layer.{i}.{m}.bias" })))
        .Concat(new[] { "classifier.weight", "classifier.bias" });
}
