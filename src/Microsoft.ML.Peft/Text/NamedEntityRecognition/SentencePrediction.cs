// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>What a tagger predicts for one row: a zero-based tag per word and, for raw text, the entity spans.</summary>
internal sealed record SentencePrediction(int[] Tags, EntitySpans? Spans)
{
    internal static readonly SentencePrediction Empty = new(Array.Empty<int>(), null);
}
