// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.DistilBert;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.DistilBert;

/// <summary>The DistilBERT encoder and classifier: Hugging Face's keys, the forward pass written out by hand, padding, config errors.</summary>
public sealed class DistilBertModelTests
{
    /// <summary>A 2-layer distilbert-base-uncased-shaped config.json.</summary>
    internal static JsonObject TinyConfig() => new()
    {
        ["model_type"] = "distilbert",
        ["vocab_size"] = 13,
        ["dim"] = 16,
        ["n_layers"] = 2,
        ["n_heads"] = 4,
        ["hidden_dim"] = 32,
        ["max_position_embeddings"] = 24,
        ["activation"] = "gelu",
        ["dropout"] = 0.1,
        ["attention_dropout"] = 0.1,
        ["seq_classif_dropout"] = 0.2,
        ["sinusoidal_pos_embds"] = false,
        ["pad_token_id"] = 0,
    };

    [Fact]
    public void DistilBertModel_StateDictKeys_AreHuggingFacesDistilBertModel()
    {
        using var model = Create();

        Assert.Equal(HuggingFaceDistilBertModelKeys(layers: 2).Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DistilBertForSequenceClassification_StateDictKeys_AreHuggingFaces()
    {
        using var model = DistilBertArchitecture.Instance.CreateSequenceClassifier(Create(), labelCount: 3);
        var expected = HuggingFaceDistilBertModelKeys(layers: 2).Select(k => "distilbert." + k)
            .Concat(new[] { "pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias" });

        Assert.Equal(expected.Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Forward_EqualsHuggingFacesDefinitionWrittenOutFromTheWeights()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = Create();
        model.eval();
        var ids = tensor(new long[,] { { 2, 5, 6, 7, 3 }, { 2, 8, 3, 0, 0 } });
        var mask = ids.ne(0).to(ScalarType.Int64);

        using var noGrad = no_grad();
        var actual = model.call(ids, zeros_like(ids), mask);

        ModelState.AssertClose(Reference(model.state_dict(), ids, mask, layers: 2, heads: 4), actual, 1e-5, "last hidden states");
    }

    [Fact]
    public void Forward_TokenTypeIds_AreIgnored()
    {
        using var scope = NewDisposeScope();
        using var model = Create();
        model.eval();
        var ids = tensor(new long[,] { { 2, 5, 6, 3, 7, 3 } });

        using var noGrad = no_grad();
        var withZeros = model.call(ids, zeros_like(ids), ones_like(ids));
        var withTypes = model.call(ids, tensor(new long[,] { { 0, 0, 0, 0, 1, 1 } }), ones_like(ids));

        ModelState.AssertClose(withZeros, withTypes, 0, "hidden states with other token types");
    }

    [Fact]
    public void Forward_PaddedRow_GivesItsUnpaddedOutput()
    {
        using var scope = NewDisposeScope();
        using var model = Create();
        model.eval();
        var alone = tensor(new long[,] { { 2, 8, 9, 3 } });
        var padded = tensor(new long[,] { { 2, 8, 9, 3, 0, 0 } });

        using var noGrad = no_grad();
        var expected = model.call(alone, zeros_like(alone), ones_like(alone));
        var actual = model.call(padded, zeros_like(padded), padded.ne(0).to(ScalarType.Int64)).narrow(1, 0, 4);

        ModelState.AssertClose(expected, actual, 1e-5, "real tokens of the padded row");
    }

    [Fact]
    public void SequenceClassifier_Logits_ArePreClassifierReluClassifierOverTheClsToken()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = DistilBertArchitecture.Instance.CreateSequenceClassifier(Create(), labelCount: 3);
        model.eval();
        var ids = tensor(new long[,] { { 2, 5, 6, 3 } });
        var state = model.state_dict();

        using var noGrad = no_grad();
        var cls = model.Encoder.call(ids, zeros_like(ids), ones_like(ids))[.., 0];
        var pre = nn.functional.relu(nn.functional.linear(cls, state["pre_classifier.weight"], state["pre_classifier.bias"]));
        var expected = nn.functional.linear(pre, state["classifier.weight"], state["classifier.bias"]);

        ModelState.AssertClose(expected, model.call(ids, zeros_like(ids), ones_like(ids)), 0, "logits");
        Assert.Equal(0.2, model.Encoder.HeadDropout);
    }

    [Fact]
    public void FromJson_SinusoidalPositions_AreRefusedByName()
    {
        var config = TinyConfig();
        config["sinusoidal_pos_embds"] = true;

        var error = Assert.Throws<InvalidDataException>(() => DistilBertConfig.FromJson(config, "folder/config.json"));

        Assert.Contains("folder/config.json", error.Message);
        Assert.Contains("sinusoidal_pos_embds", error.Message);
    }

    [Fact]
    public void FromJson_UnknownActivation_NamesItAndTheSupportedOnes()
    {
        var config = TinyConfig();
        config["activation"] = "swish";

        var error = Assert.Throws<InvalidDataException>(() => DistilBertConfig.FromJson(config, "config.json"));

        Assert.Contains("\"swish\"", error.Message);
        Assert.Contains("gelu", error.Message);
    }

    [Fact]
    public void FromJson_MissingDim_NamesTheField()
    {
        var config = TinyConfig();
        config.Remove("dim");

        var error = Assert.Throws<InvalidDataException>(() => DistilBertConfig.FromJson(config, "config.json"));

        Assert.Contains("dim", error.Message);
    }

    [Fact]
    public void Tokenizer_Pair_IsClsASepBSepWithoutTokenTypes()
    {
        var tokenizer = DistilBertArchitecture.Instance.CreateTokenizer(WordPieceFiles(), maxLength: 16);

        var encoded = tokenizer.Encode("the cat", "a dog");

        Assert.Equal(new long[] { 2, 5, 6, 3, 10, 11, 3 }, encoded.InputIds);
        Assert.Equal(new long[7], encoded.TokenTypeIds);
    }

    /// <summary>vocab.txt with [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4, then "the"=5 … "ran"=12.</summary>
    internal static Dictionary<string, byte[]> WordPieceFiles() => new()
    {
        [WordPieceTokenizerFactory.VocabFileName] = System.Text.Encoding.UTF8.GetBytes(
            string.Join("\n", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "dog", "ran") + "\n"),
    };

    // Hugging Face's DistilBertModel(config).state_dict() keys; position_ids is a non-persistent buffer.
    private static IEnumerable<string> HuggingFaceDistilBertModelKeys(int layers) =>
        new[] { "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias" }
            .Concat(Enumerable.Range(0, layers).SelectMany(i => new[]
            {
                "attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm",
            }.SelectMany(m => new[] { $"transformer.layer.{i}.{m}.weight", $"transformer.layer.{i}.{m}.bias" })));

    // modeling_distilbert.py in eval mode, step by step, with functional operations on the state dict.
    private static Tensor Reference(Dictionary<string, Tensor> w, Tensor ids, Tensor mask, int layers, int heads)
    {
        Tensor Linear(Tensor x, string name) => nn.functional.linear(x, w[name + ".weight"], w[name + ".bias"]);
        Tensor Norm(Tensor x, string name) => nn.functional.layer_norm(x, new long[] { x.shape[2] }, w[name + ".weight"], w[name + ".bias"], 1e-12);

        long batch = ids.shape[0], time = ids.shape[1], dim = w["embeddings.word_embeddings.weight"].shape[1], perHead = dim / heads;
        var x = w["embeddings.word_embeddings.weight"].index_select(0, ids.flatten()).view(batch, time, dim)
            + w["embeddings.position_embeddings.weight"].narrow(0, 0, time).unsqueeze(0);
        x = Norm(x, "embeddings.LayerNorm");
        var masked = mask.eq(0).view(batch, 1, 1, time);
        for (int i = 0; i < layers; i++)
        {
            string layer = $"transformer.layer.{i}";
            Tensor Shape(Tensor t) => t.view(batch, -1, heads, perHead).transpose(1, 2);
            var q = Shape(Linear(x, layer + ".attention.q_lin")) / Math.Sqrt(perHead);
            var scores = q.matmul(Shape(Linear(x, layer + ".attention.k_lin")).transpose(2, 3)).masked_fill(masked, float.MinValue);
            var context = scores.softmax(-1).matmul(Shape(Linear(x, layer + ".attention.v_lin"))).transpose(1, 2).contiguous().view(batch, -1, dim);
            var sa = Norm(Linear(context, layer + ".attention.out_lin") + x, layer + ".sa_layer_norm");
            var ffn = Linear(nn.functional.gelu(Linear(sa, layer + ".ffn.lin1")), layer + ".ffn.lin2");
            x = Norm(ffn + sa, layer + ".output_layer_norm");
        }

        return x;
    }

    private static DistilBertModel Create() => (DistilBertModel)DistilBertArchitecture.Instance.CreateEncoder(TinyConfig(), "config.json");
}
