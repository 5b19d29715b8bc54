// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// How per-token tags mark entity boundaries. Every tag is <c>O</c> (outside) or a prefix, a hyphen and the entity type
/// (<c>B-PER</c>, <c>I-Disease</c>); the type may itself contain hyphens and underscores (<c>B-ORG-COMPANY</c>).
/// </summary>
/// <remarks>
/// Corpora in <see cref="Iob1"/> or <see cref="Bioes"/> are normalised to <see cref="Iob2"/> when read, keeping exactly the
/// entities that seqeval's strict mode finds in the original scheme.
/// </remarks>
public enum TagScheme
{
    /// <summary>
    /// IOB1 (original CoNLL-2003): <c>I-X</c> starts and continues an entity; <c>B-X</c> appears only where an entity
    /// directly follows another of the same type.
    /// </summary>
    Iob1,

    /// <summary>IOB2, also called BIO: every entity starts with <c>B-X</c> and continues with <c>I-X</c>.</summary>
    Iob2,

    /// <summary>
    /// BIOES, also called IOBES: <c>B-X</c> begins, <c>I-X</c> continues and <c>E-X</c> ends an entity of two tokens or more;
    /// <c>S-X</c> is a single-token entity.
    /// </summary>
    Bioes,
}
