// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.DistilBert;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.DistilBert;

/// <summary>DistilBERT's token classifier: Hugging Face's keys (no pre_classifier), its dropout, per-token logits, padding, PEFT's names.</summary>
public sealed class DistilBertForTokenClassificationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-distilbert-token-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void StateDictKeys_AreHuggingFacesDistilBertForTokenClassification()
    {
        using var model = Create(labelCount: 5);

        Assert.Equal(HuggingFaceKeys(layers: 2).Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Dropout_IsTheEncodersDropoutNotSeqClassifDropout()
    {
        using var model = Create(labelCount: 2);

        // TinyConfig: dropout 0.1, seq_classif_dropout 0.2.
        Assert.Equal(0.1, model.Dropout);
    }

    [Fact]
    public void Logits_AreTheClassifierOverEveryTokensHiddenState()
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        using var model = Create(labelCount: 3);
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
        manual_seed(32);
        using var model = Create(labelCount: 4);
        model.eval();
        var shorter = tensor(new long[,] { { 2, 8, 9, 3 } });
        var batch = tensor(new long[,] { { 2, 5, 6, 7, 10, 3 }, { 2, 8, 9, 3, 0, 0 } });

        using var noGrad = no_grad();
        var alone = model.call(shorter, zeros_like(shorter), ones_like(shorter));
        var together = model.call(batch, zeros_like(batch), batch.ne(0).to(ScalarType.Int64));

        ModelState.AssertClose(alone[0], together[1].narrow(0, 0, 4), 1e-5, "real tokens of the padded row");
    }

    [Fact]
    public void SaveAdapter_LoraWithTokenHead_WritesPeftsDistilBertKeys()
    {
        using var scope = NewDisposeScope();
        var architecture = DistilBertArchitecture.Instance;
        using var model = Create(labelCount: 5);
        using var peft = PeftModel.Create(model, new LoraConfig
        {
            TargetModules = ModuleSelector.FromNames(architecture.DefaultTargetModules),
            ModulesToSave = architecture.TokenClassifierHeadModules,
        });

        peft.SaveAdapter(_directory);

        var keys = SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name);
        var expected = Enumerable.Range(0, 2)
            .SelectMany(i => new[] { "q_lin", "v_lin" }.SelectMany(m => new[] { "lora_A", "lora_B" }
                .Select(l => $"base_model.model.distilbert.transformer.layer.{i}.attention.{m}.{l}.weight")))
            .Concat(new[] { "base_model.model.classifier.weight", "base_model.model.classifier.bias" });
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    private static TokenClassifierModel Create(int labelCount) =>
        DistilBertArchitecture.Instance.CreateTokenClassifier(DistilBertArchitecture.Instance.CreateEncoder(DistilBertModelTests.TinyConfig(), "config.json"), labelCount);

    // Hugging Face's DistilBertForTokenClassification(config).state_dict() keys, read from modeling_distilbert.py: distilbert
    // (learned positions, no token types; per layer attention.{q,k,v,out}_lin, sa_layer_norm, ffn.lin1/lin2, output_layer_norm),
    // then classifier; there is no pre_classifier in the token head.
    private static IEnumerable<string> HuggingFaceKeys(int layers) =>
        new[]
        {
            "distilbert.embeddings.word_embeddings.weight", "distilbert.embeddings.position_embeddings.weight",
            "distilbert.embeddings.LayerNorm.weight", "distilbert.embeddings.LayerNorm.bias",
        }.Concat(Enumerable.Range(0, layers).SelectMany(i => new[]
        {
            "attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm",
        }.SelectMany(m => new[] { $"distilbert.transformer.layer.{i}.{m}.weight", $"distilbert.transformer.layer.{i}.{m}.bias" })))
        .Concat(new[] { "classifier.weight", "classifier.bias" });
}
