// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// The prefix of a tag. Flags, as seqeval's <c>Prefix</c>, so a transition rule can accept several prefixes at once.
/// </summary>
[Flags]
internal enum TagPrefix
{
    /// <summary>Outside any entity.</summary>
    O = 1,

    /// <summary>Begin.</summary>
    B = 2,

    /// <summary>Inside.</summary>
    I = 4,

    /// <summary>End (BIOES).</summary>
    E = 8,

    /// <summary>Single (BIOES).</summary>
    S = 16,

    /// <summary>Any prefix.</summary>
    Any = O | B | I | E | S,
}
