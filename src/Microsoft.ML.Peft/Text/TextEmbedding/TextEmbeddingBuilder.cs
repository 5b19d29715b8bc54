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

    /// <summary>Texts embedded at once by default (<see cref="TextEmbeddingOptions.BatchSize"/>).</summary>
    internal const int DefaultBatchSize = 64;

    /// <summary>A transformer over the options' backbone, with the adapter in <see cref="TextEmbeddingOptions.AdapterDirectory"/> when set.</summary>
    internal static TextEmbeddingTransformer Build(MLContext context, TextEmbeddingOptions options)
    {
        var backbone = options.Backbone!;
        var text = backbone.AsText("TextEmbedding");
        var adapter = options.AdapterDirectory is { } directory ? PretrainedAdapter.Open(directory, nameof(TextEmbeddingOptions.AdapterDirectory)) : null;
        adapter?.RequireTaskType(TaskType, "a text embedding (an adapter on the bare encoder, AutoModel in Python)", s_otherTasks);
        var tokenizer = text.CreateTokenizer(options.MaxSequenceLength);
        var encoder = text.CreateEncoder();
        return PretrainedAdapter.Build(
            context,
            encoder,
            () => adapter is null ? PeftModel.WithoutAdapter(encoder) : adapter.LoadOnto(encoder, trainable: false),
            (peft, device) => new TextEmbeddingTransformer(
                new TextEmbeddingNetwork(peft, encoder, tokenizer, options.Pooling, options.Normalize, device), options.InputColumnName, options.OutputColumnName, BackboneReference.Of(backbone), options.BatchSize));
    }
}
