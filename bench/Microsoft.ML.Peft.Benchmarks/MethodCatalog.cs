// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The PEFT methods compared on SMS spam, each with the settings it is run with. Every method uses the estimator's
/// defaults for what it leaves open (target modules, the head in modules_to_save); the learning rate is per method,
/// because methods with few parameters or multiplicative updates need a larger step than LoRA (see each entry).
/// </summary>
internal static class MethodCatalog
{
    internal static IReadOnlyList<MethodEntry> All { get; } = new MethodEntry[]
    {
        new("lora", "LoRA r8 α16, dropout 0.1, query/value (the sample)", 1e-3, () => new LoraConfig { Rank = 8, Alpha = 16, Dropout = 0.1 }),
        new("rslora", "rsLoRA r8 α16, query/value", 1e-3, () => new LoraConfig { Rank = 8, Alpha = 16, UseRsLora = true }),
        new("dora", "DoRA r8 α16, query/value", 1e-3, () => new LoraConfig { Rank = 8, Alpha = 16, UseDora = true }),
    };

    internal static IReadOnlyList<string> Names => All.Select(m => m.Name).ToArray();

    internal static MethodEntry Find(string name) =>
        All.FirstOrDefault(m => m.Name == name) ?? throw new ArgumentException($"Unknown method '{name}'; known: {string.Join(", ", Names)}.");
}

/// <summary>One row of the comparison.</summary>
/// <param name="Name">Short name used on the command line.</param>
/// <param name="Settings">The configuration, in words, for the report.</param>
/// <param name="LearningRate">AdamW's peak learning rate for this method.</param>
/// <param name="CreateConfig">A fresh configuration of the method.</param>
internal sealed record MethodEntry(string Name, string Settings, double LearningRate, Func<PeftConfig> CreateConfig);
