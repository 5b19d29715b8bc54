// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

/// <summary>
/// SeqevalCases.txt: what seqeval's own code (commit cd01b52) finds in each of the 819 tag sequences of length 1 to 3 over
/// O and B/I/E/S of two types, written by generate_seqeval_cases.py.
/// </summary>
internal static class SeqevalCases
{
    private static readonly Lazy<IReadOnlyList<Case>> s_cases = new(Load);

    internal static IReadOnlyList<Case> All => s_cases.Value;

    /// <summary>Tags parsed with every prefix allowed, so any scheme's decoder can take them.</summary>
    internal static EntityTag[] Parse(string[] tags) => EntityTag.ParseSentence(tags, TagScheme.Bioes, "case", 0);

    /// <summary>"A:0-2 B:2-3" as entities; "-" is none.</summary>
    internal static List<Entity> Entities(string text) =>
        text == "-"
            ? []
            : text.Split(' ').Select(e =>
            {
                int colon = e.LastIndexOf(':');
                int dash = e.IndexOf('-', colon);
                return new Entity(e[..colon], int.Parse(e[(colon + 1)..dash]), int.Parse(e[(dash + 1)..]));
            }).ToList();

    /// <summary>"B-A I-A" as tags.</summary>
    internal static string[] Tags(string text) => text.Length == 0 ? [] : text.Split(' ');

    private static IReadOnlyList<Case> Load()
    {
        using var stream = typeof(SeqevalCases).Assembly.GetManifestResourceStream("SeqevalCases.txt")!;
        using var reader = new StreamReader(stream);
        var cases = new List<Case>();
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            string[] columns = line.Split('\t');
            cases.Add(new Case(columns[0].Split(' '), columns[1], columns[2], columns[3], columns[4]));
        }

        return cases;
    }

    /// <summary>One sequence and seqeval's entities: strict per scheme ("!" where the scheme refuses a prefix), and default.</summary>
    internal sealed record Case(string[] Tags, string StrictIob1, string StrictIob2, string StrictIobes, string Default)
    {
        internal string Strict(TagScheme scheme) => scheme switch
        {
            TagScheme.Iob1 => StrictIob1,
            TagScheme.Iob2 => StrictIob2,
            _ => StrictIobes,
        };

        public override string ToString() => string.Join(' ', Tags);
    }
}
