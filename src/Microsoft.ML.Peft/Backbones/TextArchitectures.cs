// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.DistilBert;
using Microsoft.ML.Peft.Backbones.Roberta;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>The text architectures this package builds, by <c>config.json</c>'s <c>model_type</c>; one line per architecture.</summary>
internal static class TextArchitectures
{
    private static readonly Dictionary<string, TextArchitecture> s_byModelType = new(StringComparer.Ordinal);

    // Model types that are close to a supported one but refused, with the reason, so the error says more than "unsupported".
    private static readonly Dictionary<string, string> s_refused = new(StringComparer.Ordinal)
    {
        ["xlm-roberta"] = "Its encoder is RoBERTa's, but its tokenizer (the SentencePiece unigram model sentencepiece.bpe.model, shifted by fairseq's "
            + "id offset) has no port here that was checked against Hugging Face's ids. Use a BERT, RoBERTa or DistilBERT checkpoint.",
    };

    static TextArchitectures()
    {
        Register(BertArchitecture.Instance);
        Register(RobertaArchitecture.Instance);
        Register(DistilBertArchitecture.Instance);
    }

    internal static IEnumerable<string> ModelTypes => s_byModelType.Keys.Order(StringComparer.Ordinal);

    /// <exception cref="NotSupportedException">The model type is not one of <see cref="ModelTypes"/>.</exception>
    internal static TextArchitecture Get(string modelType, string source) =>
        s_byModelType.TryGetValue(modelType, out var architecture)
            ? architecture
            : throw new NotSupportedException(
                $"'{source}' declares model_type \"{modelType}\", which this package cannot build"
                + (s_refused.TryGetValue(modelType, out string? reason) ? $": {reason}" : ".")
                + $" Supported: {string.Join(", ", ModelTypes)}.");

    private static void Register(TextArchitecture architecture) => s_byModelType.Add(architecture.ModelType, architecture);
}
