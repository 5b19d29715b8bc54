// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>A row of the toy sentiment task the estimator tests train on.</summary>
public sealed class SentimentRow
{
    public string Text { get; set; } = string.Empty;

    public string Label { get; set; } = string.Empty;
}

/// <summary>Generated toy sentiment data over <see cref="TinyBertFolder.Words"/>: the sentiment word decides the label.</summary>
internal static class SentimentRows
{
    private static readonly string[] s_positive = { "good", "great", "fine", "superb" };
    private static readonly string[] s_negative = { "bad", "awful", "poor", "boring" };
    private static readonly string[] s_subjects = { "the movie", "the film", "the plot", "the actor", "the food", "the service", "the day", "it" };
    private static readonly string[] s_verbs = { "is", "was", "is very", "was really", "is really" };

    internal static List<SentimentRow> Create(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<SentimentRow>(count);
        for (int i = 0; i < count; i++)
        {
            bool positive = random.Next(2) == 0;
            var words = positive ? s_positive : s_negative;
            rows.Add(new SentimentRow
            {
                Text = $"{s_subjects[random.Next(s_subjects.Length)]} {s_verbs[random.Next(s_verbs.Length)]} {words[random.Next(words.Length)]}",
                Label = positive ? "positive" : "negative",
            });
        }

        return rows;
    }

    /// <summary>The rows of <see cref="Create"/> with a Boolean label: positive is true.</summary>
    internal static List<BooleanSentimentRow> CreateBoolean(int count, int seed) =>
        Create(count, seed).Select(r => new BooleanSentimentRow { Text = r.Text, Label = r.Label == "positive" }).ToList();
}
