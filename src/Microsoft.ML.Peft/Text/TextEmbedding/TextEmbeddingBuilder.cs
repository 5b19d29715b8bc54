// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.TextEmbedding;

/// <summary>Builds a text embedding's network: the encoder with the pretrained weights, its adapter when one is given, the tokenizer and the device.</summary>
internal static class TextEmbeddingBuilder
{
    internal const string TaskType = "FEATURE_EXTRACTION";

    private static readonly IReadOnlyDictionary<string, string> s_otherTasks = new Dictionary<string, string>
    {
        ["SEQ_CLS"] = "mlContext.Peft().TextClassifierFromAdapter (a sequence classifier's adapter)",
        ["TOKEN_CLS"] = "mlContext.Peft().NamedEntityRecognizerFromAdapter (a token classifier's adapter)",
    };

    /// <summary>A transformer over <paramref name="backbone"/>, with the adapter in <paramref name="adapterDirectory"/> when set.</summary>
    internal static TextEmbeddingTransformer Build(
        MLContext context, PretrainedModel backbone, string? adapterDirectory, Func<nn.Module, PeftModel>? loadAdapter, TextEmbeddingPooling pooling, bool normalize, TextTokenizer? tokenizer, int? maxSequenceLength, string inputColumn, string outputColumn, int batchSize, BackboneReference? reference = null)
    {
        var text = backbone.AsText("TextEmbedding");
        var adapter = adapterDirectory is null ? null : PretrainedAdapter.Open(adapterDirectory, nameof(TextEmbeddingOptions.AdapterDirectory));
        adapter?.RequireTaskType(TaskType, "a text embedding (an adapter on the bare encoder, AutoModel in Python)", s_otherTasks);
        tokenizer ??= text.CreateTokenizer(maxSequenceLength);
        var encoder = text.CreateEncoder();
        Func<PeftModel> load = loadAdapter is not null ? () => loadAdapter(encoder)
            : adapter is not null ? () => adapter.LoadOnto(encoder, trainable: false)
            : () => PeftModel.WithoutAdapter(encoder);
        return PretrainedAdapter.Build(context, encoder, load, (peft, device) =>
            new TextEmbeddingTransformer(new TextEmbeddingNetwork(peft, encoder, tokenizer, pooling, normalize, device), inputColumn, outputColumn, reference ?? BackboneReference.Of(backbone), batchSize));
    }
}
