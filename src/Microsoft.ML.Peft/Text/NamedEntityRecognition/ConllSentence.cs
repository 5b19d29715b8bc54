// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>A sentence of a CoNLL file: the row type ML.NET's <c>LoadFromEnumerable</c> turns into the loader's data view.</summary>
internal sealed class ConllSentence
{
    /// <summary>The tokens, in order.</summary>
    public string[] Tokens { get; set; } = [];

    /// <summary>One IOB2 tag per token.</summary>
    public string[] Tags { get; set; } = [];
}
