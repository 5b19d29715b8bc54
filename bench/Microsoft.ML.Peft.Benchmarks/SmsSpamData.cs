// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>The SMS Spam Collection of the text-classification sample: a <c>Label\tSMS</c> header, then one tab-separated row per message, no quoting.</summary>
internal static class SmsSpamData
{
    internal static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "data", "SMSSpamCollection.tsv");

    /// <summary>The messages with label 1 for spam and 0 for ham.</summary>
    internal static List<(long Label, string Text)> Load(string path)
    {
        var rows = new List<(long, string)>();
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            int tab = line.IndexOf('\t');
            if (tab < 0)
            {
                continue;
            }

            string label = line[..tab];
            rows.Add((label == "spam" ? 1 : label == "ham" ? 0 : throw new InvalidDataException($"'{path}': unknown label '{label}'."), line[(tab + 1)..]));
        }

        return rows;
    }
}
