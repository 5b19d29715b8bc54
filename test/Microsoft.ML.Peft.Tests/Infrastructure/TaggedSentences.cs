// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>A sentence of the toy tagging task the NER estimator tests train on.</summary>
public sealed class TaggedSentence
{
    public string[] Tokens { get; set; } = Array.Empty<string>();

    public string[] Tags { get; set; } = Array.Empty<string>();
}

/// <summary>Generated toy sentences over <see cref="TinyBertFolder.Words"/>: sentiment words are entities (B-POS, B-NEG), "very good" spans two words.</summary>
internal static class TaggedSentences
{
    private static readonly string[] s_positive = { "good", "great", "fine", "superb" };
    private static readonly string[] s_negative = { "bad", "awful", "poor", "boring" };
    private static readonly string[] s_fillers = { "the", "movie", "film", "plot", "actor", "food", "service", "day", "it", "is", "was", "and", "a" };

    internal static List<TaggedSentence> Create(int count, int seed, int minWords = 3, int maxWords = 9)
    {
        var random = new Random(seed);
        var sentences = new List<TaggedSentence>(count);
        for (int i = 0; i < count; i++)
        {
            var tokens = new List<string>();
            var tags = new List<string>();
            int length = random.Next(minWords, maxWords + 1);
            while (tokens.Count < length)
            {
                int pick = random.Next(6);
                if (pick == 0)
                {
                    tokens.Add(s_positive[random.Next(s_positive.Length)]);
                    tags.Add("B-POS");
                }
                else if (pick == 1)
                {
                    tokens.AddRange(new[] { "very", s_negative[random.Next(s_negative.Length)] });
                    tags.AddRange(new[] { "B-NEG", "I-NEG" });
                }
                else
                {
                    tokens.Add(s_fillers[random.Next(s_fillers.Length)]);
                    tags.Add("O");
                }
            }

            sentences.Add(new TaggedSentence { Tokens = tokens.ToArray(), Tags = tags.ToArray() });
        }

        return sentences;
    }
}
