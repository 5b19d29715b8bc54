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
        // LoRA-family methods at the sample's learning rate.
        new("lora", "LoRA r8 α16, dropout 0.1, query/value (the sample)", 1e-3, () => new LoraConfig { Rank = 8, Alpha = 16, Dropout = 0.1 }),
        new("dora", "DoRA r8 α16, query/value", 1e-3, () => new LoraConfig { Rank = 8, Alpha = 16, UseDora = true }),
        new("dylora", "DyLoRA r_max 8 α16, query/value, evaluated at rank 8", 1e-3, () => new DyLoraConfig { Rank = 8, Alpha = 16 }),
        new("loha", "LoHa r8 α16, query/value", 1e-3, () => new LoHaConfig { Rank = 8, Alpha = 16 }),

        // LoKr's Kronecker factors need a larger step (PEFT's benchmark uses 3e-3 against LoRA's 1e-4 … 1e-3).
        new("lokr", "LoKr r8 α16, query/value", 3e-3, () => new LoKrConfig { Rank = 8, Alpha = 16 }),

        // RandLoRA with the official GLUE script's alpha = 2r (PEFT's default alpha 640 is tuned for a 1e-4 step).
        new("randlora", "RandLoRA r32 α64, query/value", 1e-3, () => new RandLoraConfig { Rank = 32, Alpha = 64 }),

        // PaCA r16 trains as many values as LoRA r8 on MiniLM's square 384 × 384 projections.
        new("paca", "PaCA r16 α16, query/value", 1e-3, () => new PacaConfig { Rank = 16, Alpha = 16 }),
        new("bottleneck", "Bottleneck (Houlsby: reduction 16, swish) after attention.output.dense and output.dense", 1e-3, () => BottleneckConfig.Houlsby()),

        // Methods that train a few scaling values per layer move slowly at LoRA's step; they get a larger one. MiniLM's
        // pooler was never trained for classification, so the head alone learns little: at 1e-3 … 2e-3, LN tuning and
        // singular-value tuning stayed at the majority class after one epoch.
        new("ln-tuning", "LN tuning: every LayerNorm (estimator default)", 1e-2, () => new LayerNormTuningConfig()),
        new("svd", "Singular-value tuning, all singular values of query/value", 1e-2, () => new SingularValueTuningConfig()),
        new("ia3", "(IA)³ on key, value, output.dense (PEFT's BERT default)", 5e-3, () => new IA3Config()),
        new("vera", "VeRA r256, d_initial 0.1, query/value", 1e-2, () => new VeraConfig { Rank = 256 }),
        new("loldu", "LoLDU r8, query/value", 1e-2, () => new LoLduConfig { Rank = 8 }),
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
