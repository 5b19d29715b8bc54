// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.DistilBert;
using Microsoft.ML.Peft.Backbones.Roberta;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>The backbones this assembly builds, one line per architecture, and the near misses it refuses with a reason.</summary>
internal static class BuiltInBackbones
{
    // Model types that are close to a supported one but refused, with the reason, so the error says more than "unsupported".
    private static readonly Dictionary<string, string> s_refused = new(StringComparer.Ordinal)
    {
        ["xlm-roberta"] = "Its encoder is RoBERTa's, but its tokenizer (the SentencePiece unigram model sentencepiece.bpe.model, shifted by fairseq's "
            + "id offset) has no port here that was checked against Hugging Face's ids. Use a BERT, RoBERTa or DistilBERT checkpoint.",
    };

    /// <summary>The built-in architectures, registered by <see cref="BackboneRegistry"/> before anything else.</summary>
    internal static IReadOnlyList<BackboneArchitecture> Architectures { get; } = new BackboneArchitecture[]
    {
        BertArchitecture.Instance,
        RobertaArchitecture.Instance,
        DistilBertArchitecture.Instance,
    };

    /// <summary>Why <paramref name="modelType"/> is refused, when it is a known near miss; otherwise null.</summary>
    internal static string? RefusalReason(string modelType) => s_refused.GetValueOrDefault(modelType);
}
