// Licensed under the MIT license. See LICENSE in the repository root.

using static Microsoft.ML.Peft.Text.NamedEntityRecognition.TagPrefix;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// seqeval's strict-mode transition tables (<c>seqeval/scheme.py</c>, classes <c>IOB1</c>, <c>IOB2</c> and <c>IOBES</c>),
/// copied rule for rule: which (previous, current) tag pairs start an entity, continue it, or end it. Keeping the tables
/// verbatim, rather than a hand-written state machine, is what makes invalid sequences decode exactly as seqeval does.
/// </summary>
internal sealed class StrictSchemeRules
{
    internal static readonly StrictSchemeRules Iob1 = new(
        start: [new(O, I, TypeMatch.Any), new(I, I, TypeMatch.Different), new(B, I, TypeMatch.Any), new(I, B, TypeMatch.Same), new(B, B, TypeMatch.Same)],
        inside: [new(B, I, TypeMatch.Same), new(I, I, TypeMatch.Same)],
        end: [new(I, I, TypeMatch.Different), new(I, O, TypeMatch.Any), new(I, B, TypeMatch.Any), new(B, O, TypeMatch.Any), new(B, I, TypeMatch.Different), new(B, B, TypeMatch.Same)]);

    internal static readonly StrictSchemeRules Iob2 = new(
        start: [new(Any, B, TypeMatch.Any)],
        inside: [new(B, I, TypeMatch.Same), new(I, I, TypeMatch.Same)],
        end: [new(I, O, TypeMatch.Any), new(I, I, TypeMatch.Different), new(I, B, TypeMatch.Any), new(B, O, TypeMatch.Any), new(B, I, TypeMatch.Different), new(B, B, TypeMatch.Any)]);

    internal static readonly StrictSchemeRules Bioes = new(
        start: [new(Any, B, TypeMatch.Any), new(Any, S, TypeMatch.Any)],
        inside: [new(B, I, TypeMatch.Same), new(B, E, TypeMatch.Same), new(I, I, TypeMatch.Same), new(I, E, TypeMatch.Same)],
        end: [new(S, Any, TypeMatch.Any), new(E, Any, TypeMatch.Any)]);

    private readonly Transition[] _start;
    private readonly Transition[] _inside;
    private readonly Transition[] _end;

    private StrictSchemeRules(Transition[] start, Transition[] inside, Transition[] end)
    {
        _start = start;
        _inside = inside;
        _end = end;
    }

    private enum TypeMatch
    {
        Any,
        Same,
        Different,
    }

    internal static StrictSchemeRules For(TagScheme scheme) => scheme switch
    {
        TagScheme.Iob1 => Iob1,
        TagScheme.Iob2 => Iob2,
        TagScheme.Bioes => Bioes,
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, $"Unknown tag scheme {scheme}; use TagScheme.Iob1, Iob2 or Bioes."),
    };

    /// <summary>seqeval's <c>Token.is_start(prev)</c>: <paramref name="current"/> starts an entity.</summary>
    internal bool IsStart(EntityTag previous, EntityTag current) => Matches(_start, previous, current);

    /// <summary>seqeval's <c>Token.is_inside(prev)</c>: <paramref name="current"/> continues the entity of <paramref name="previous"/>.</summary>
    internal bool IsInside(EntityTag previous, EntityTag current) => Matches(_inside, previous, current);

    /// <summary>seqeval's <c>Token.is_end(prev)</c>: the entity ending at <paramref name="previous"/> is complete.</summary>
    internal bool IsEnd(EntityTag previous, EntityTag current) => Matches(_end, previous, current);

    private static bool Matches(Transition[] transitions, EntityTag previous, EntityTag current)
    {
        foreach (var transition in transitions)
        {
            if ((transition.Previous & previous.Prefix) != 0 && (transition.Current & current.Prefix) != 0 && TypeMatches(transition.Type, previous, current))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TypeMatches(TypeMatch match, EntityTag previous, EntityTag current) => match switch
    {
        TypeMatch.Same => string.Equals(previous.Type, current.Type, StringComparison.Ordinal),
        TypeMatch.Different => !string.Equals(previous.Type, current.Type, StringComparison.Ordinal),
        _ => true,
    };

    private readonly record struct Transition(TagPrefix Previous, TagPrefix Current, TypeMatch Type);
}
