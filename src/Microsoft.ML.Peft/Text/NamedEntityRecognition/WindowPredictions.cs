// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>Puts the predictions made window by window back into one prediction per word of the sentence.</summary>
internal static class WindowPredictions
{
    /// <summary>Each word takes the prediction of the one window that owns it.</summary>
    /// <param name="sentence">The encoded sentence.</param>
    /// <param name="perWindow">
    /// For each window of <paramref name="sentence"/>, one prediction per word of the window in order
    /// (<see cref="WordWindow.WordCount"/> items, e.g. from <see cref="WordAlignedEncoding.AtFirstSubTokens{T}"/>).
    /// </param>
    /// <returns>One prediction per word of the sentence.</returns>
    /// <exception cref="ArgumentException">The number of windows or of a window's predictions does not match the sentence.</exception>
    internal static T[] Merge<T>(WindowedSentence sentence, IReadOnlyList<IReadOnlyList<T>> perWindow)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        ArgumentNullException.ThrowIfNull(perWindow);
        if (perWindow.Count != sentence.Windows.Count)
        {
            throw new ArgumentException($"The sentence has {sentence.Windows.Count} windows but predictions for {perWindow.Count} were given.", nameof(perWindow));
        }

        var merged = new T[sentence.WordCount];
        for (int k = 0; k < perWindow.Count; k++)
        {
            var window = sentence.Windows[k].Window;
            if (perWindow[k].Count != window.WordCount)
            {
                throw new ArgumentException($"Window {k} holds {window.WordCount} words but {perWindow[k].Count} predictions were given for it.", nameof(perWindow));
            }

            for (int w = window.FirstOwnedWord; w < window.EndOwnedWord; w++)
            {
                merged[w] = perWindow[k][w - window.FirstWord];
            }
        }

        return merged;
    }
}
