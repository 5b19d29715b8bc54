// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// Word labels to token labels, as Hugging Face's token-classification example does with <c>label_all_tokens=False</c>: a word's
/// label goes on its first sub-token; later sub-tokens, special tokens and padding get <see cref="IgnoreIndex"/>, which
/// <c>cross_entropy</c> skips.
/// </summary>
/// <remarks>
/// A window labels only the words it owns (<see cref="WordWindow"/>); the words it merely shares with a neighbour get
/// <see cref="IgnoreIndex"/>. So every word of a long sentence enters the loss exactly once, as it would if the sentence fitted,
/// and it is trained with the context it is later predicted with, rather than also near a window edge with little context.
/// </remarks>
internal static class TokenLabels
{
    /// <summary>PyTorch's default <c>ignore_index</c> of <c>cross_entropy</c>.</summary>
    internal const long IgnoreIndex = -100;

    /// <summary>The token labels of each window of <paramref name="sentence"/>, in the order of its windows.</summary>
    /// <param name="sentence">The encoded sentence.</param>
    /// <param name="wordLabels">One class index (0 or more) per word of the sentence.</param>
    /// <exception cref="ArgumentException">The number of labels is not the number of words.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is negative.</exception>
    internal static long[][] Align(WindowedSentence sentence, IReadOnlyList<int> wordLabels)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        ArgumentNullException.ThrowIfNull(wordLabels);
        if (wordLabels.Count != sentence.WordCount)
        {
            throw new ArgumentException($"The sentence has {sentence.WordCount} words but {wordLabels.Count} labels were given; give one label per word.", nameof(wordLabels));
        }

        for (int w = 0; w < wordLabels.Count; w++)
        {
            if (wordLabels[w] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(wordLabels), wordLabels[w], $"The label of word {w} is {wordLabels[w]}; labels are class indices from 0.");
            }
        }

        return sentence.Windows.Select(window => AlignWindow(window, wordLabels)).ToArray();
    }

    private static long[] AlignWindow(WordAlignedEncoding encoding, IReadOnlyList<int> wordLabels)
    {
        var labels = new long[encoding.Length];
        for (int position = 0; position < labels.Length; position++)
        {
            int word = encoding.WordIds[position];
            labels[position] = encoding.IsFirstSubToken[position] && encoding.Window.Owns(word) ? wordLabels[word] : IgnoreIndex;
        }

        return labels;
    }
}
