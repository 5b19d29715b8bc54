// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// A run of whole words of a sentence that fits the model at once, <c>[FirstWord, EndWord)</c>, and the words it owns,
/// <c>[FirstOwnedWord, EndOwnedWord)</c>: those it labels in training and predicts. Every word of a sentence is owned by
/// exactly one window.
/// </summary>
internal readonly record struct WordWindow(int FirstWord, int EndWord, int FirstOwnedWord, int EndOwnedWord)
{
    internal int WordCount => EndWord - FirstWord;

    internal bool Owns(int word) => word >= FirstOwnedWord && word < EndOwnedWord;
}
