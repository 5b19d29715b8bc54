// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>A word's most probable zero-based tag and its softmax probability, both read at the word's first sub-token.</summary>
internal readonly record struct WordPrediction(int Tag, float Probability);
