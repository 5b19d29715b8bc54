// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Roberta;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.Roberta;

/// <summary>RoBERTa's token classifier: Hugging Face's keys (one Linear head), per-token logits, padding, and PEFT's saved names.</summary>
public sealed class RobertaForTokenClassificationTests : IDisposable
{
    private const long Pad = 1;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-roberta-token-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void StateDictKeys_AreHuggingFacesRobertaForTokenClassification()
    {
        using var model = Create(labelCount: 5);

        Assert.Equal(HuggingFaceKeys(layers: 2).Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Logits_AreTheClassifierOverEveryTokensHiddenState()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        using var model = Create(labelCount: 3);
        model.eval();
        var ids = tensor(new long[,] { { 0, 5, 6, 7, 2 }, { 0, 8, 9, 10, 2 } });
        var types = zeros_like(ids);
        var mask = ones_like(ids);
        var state = model.state_dict();

        using var noGrad = no_grad();
        var logits = model.call(ids, types, mask);
        var expected = nn.functional.linear(model.Encoder.call(ids, types, mask), state["classifier.weight"], state["classifier.bias"]);

        Assert.Equal(new long[] { 2, 5, 3 }, logits.shape);
        ModelState.AssertClose(expected, logits, 0, "logits");
        Assert.Equal(0.1, model.Dropout);
    }

    [Fact]
    public void PaddedBatch_GivesEachRowItsUnpaddedLogits()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        using var model = Create(labelCount: 4);
        model.eval();
        var shorter = tensor(new long[,] { { 0, 9, 10, 2 } });
        var batch = tensor(new long[,] { { 0, 5, 6, 7, 8, 2 }, { 0, 9, 10, 2, Pad, Pad } });

        using var noGrad = no_grad();
        var alone = model.call(shorter, zeros_like(shorter), ones_like(shorter));
        var together = model.call(batch, zeros_like(batch), batch.ne(Pad).to(ScalarType.Int64));

        ModelState.AssertClose(alone[0], together[1].narrow(0, 0, 4), 1e-5, "real tokens of the padded row");
    }

    [Fact]
    public void SaveAdapter_LoraWithTokenHead_WritesPeftsRobertaKeys()
    {
        using var scope = NewDisposeScope();
        var architecture = RobertaArchitecture.Instance;
        using var model = Create(labelCount: 5);
        using var peft = PeftModel.Create(model, new LoraConfig
        {
            TargetModules = ModuleSelector.FromNames(architecture.DefaultTargetModules),
            ModulesToSave = architecture.TokenClassifierHeadModules,
        });

        peft.SaveAdapter(_directory);

        var keys = SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name);
        var expected = Enumerable.Range(0, 2)
            .SelectMany(i => new[] { "query", "value" }.SelectMany(m => new[] { "lora_A", "lora_B" }
                .Select(l => $"base_model.model.roberta.encoder.layer.{i}.attention.self.{m}.{l}.weight")))
            .Concat(new[] { "base_model.model.classifier.weight", "base_model.model.classifier.bias" });
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    private static TokenClassifierModel Create(int labelCount) =>
        RobertaArchitecture.Instance.CreateTokenClassifier(RobertaArchitecture.Instance.CreateEncoder(RobertaModelTests.TinyConfig(), "config.json"), labelCount);

    // Hugging Face's RobertaForTokenClassification(config).state_dict() keys, read from modeling_roberta.py: RobertaModel with
    // add_pooling_layer=False, then a single nn.Linear named classifier (not the sequence task's RobertaClassificationHead).
    private static IEnumerable<string> HuggingFaceKeys(int layers) =>
        new[]
        {
            "roberta.embeddings.word_embeddings.weight", "roberta.embeddings.position_embeddings.weight", "roberta.embeddings.token_type_embeddings.weight",
            "roberta.embeddings.LayerNorm.weight", "roberta.embeddings.LayerNorm.bias",
        }.Concat(Enumerable.Range(0, layers).SelectMany(i => new[]
        {
            "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
        }.SelectMany(m => new[] { $"roberta.encoder.layer.{i}.{m}.weight", $"roberta.encoder.layer.{i}.{m}.bias" })))
        .Concat(new[] { "classifier.weight", "classifier.bias" });
}
