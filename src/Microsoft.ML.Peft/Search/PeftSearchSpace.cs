// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;

namespace Microsoft.ML.Peft;

/// <summary>
/// The values a rank search tries: methods, ranks, alpha as a multiple of the rank, a learning-rate range on a log scale, sets of
/// target modules and adapter dropouts. A trial is one method with one value of each. Settings a method does not have (the rank
/// of (IA)³, the alpha of VeRA) are left at the method's own, and trials that then coincide run once.
/// </summary>
/// <remarks>
/// The grid tuner tries every combination, with <see cref="LearningRateGridPoints"/> rates spaced evenly on a log scale
/// between <see cref="MinLearningRate"/> and <see cref="MaxLearningRate"/>; the random and successive-halving tuners draw the
/// discrete values uniformly and the learning rate log-uniformly in the same range, so their draws come from the grid's space.
/// </remarks>
/// <example>
/// <code language="csharp">
/// var space = new PeftSearchSpace
/// {
///     Methods = { new LoraConfig(), new LoraConfig { UseDora = true } },
///     Ranks = { 4, 8, 16 },
///     MinLearningRate = 3e-4, MaxLearningRate = 3e-3,
/// };
/// </code>
/// </example>
public sealed class PeftSearchSpace
{
    /// <summary>The defaults of a new space.</summary>
    public static class Defaults
    {
        /// <summary>The default ranks: 4, 8 and 16.</summary>
        public static IReadOnlyList<int> Ranks { get; } = new[] { 4, 8, 16 };

        /// <summary>The default ratio of alpha to the rank: 2, so the update's scale alpha / r is 2 at every rank.</summary>
        public const double AlphaRankRatio = 2;

        /// <summary>The default lowest learning rate: 3e-4.</summary>
        public const double MinLearningRate = 3e-4;

        /// <summary>The default highest learning rate: 3e-3.</summary>
        public const double MaxLearningRate = 3e-3;

        /// <summary>The default number of learning rates the grid tries: 3 (3e-4, about 9.5e-4, 3e-3).</summary>
        public const int LearningRateGridPoints = 3;

        /// <summary>The default adapter dropout: 0.1.</summary>
        public const double Dropout = 0.1;
    }

    /// <summary>
    /// The methods to try, each a configuration of a registered method whose other settings (for example LoRA's
    /// <c>UseDora</c> or initialization) every trial of it keeps. Default: LoRA.
    /// </summary>
    public IList<PeftConfig> Methods { get; } = new List<PeftConfig> { new LoraConfig() };

    /// <summary>The ranks to try, each at least 1. Default: 4, 8, 16.</summary>
    public IList<int> Ranks { get; } = new List<int>(Defaults.Ranks);

    /// <summary>
    /// Alpha as a multiple of the rank (alpha = ratio × r), so that every rank starts with the same update scale. Default: 2.
    /// </summary>
    public IList<double> AlphaRankRatios { get; } = new List<double> { Defaults.AlphaRankRatio };

    /// <summary>The lowest learning rate; the rates are searched on a log scale. Default 3e-4.</summary>
    public double MinLearningRate { get; set; } = Defaults.MinLearningRate;

    /// <summary>The highest learning rate. Default 3e-3.</summary>
    public double MaxLearningRate { get; set; } = Defaults.MaxLearningRate;

    /// <summary>How many learning rates the grid tries, evenly spaced on a log scale from the lowest to the highest; 1 takes their geometric mean. Default 3.</summary>
    public int LearningRateGridPoints { get; set; } = Defaults.LearningRateGridPoints;

    /// <summary>
    /// Sets of target modules to try, each a list of module names (for example <c>["query", "value"]</c> or
    /// <c>["query", "key", "value", "dense"]</c>); a null entry is the task's default targets for the method and backbone.
    /// Default: one null entry.
    /// </summary>
    public IList<IReadOnlyList<string>?> TargetModuleSets { get; } = new List<IReadOnlyList<string>?> { null };

    /// <summary>The adapter dropouts to try, each within [0, 1). Default: 0.1.</summary>
    public IList<double> Dropouts { get; } = new List<double> { Defaults.Dropout };

    /// <summary>The learning rates of the grid, lowest first.</summary>
    internal IReadOnlyList<double> GridLearningRates()
    {
        if (LearningRateGridPoints == 1)
        {
            return new[] { Math.Sqrt(MinLearningRate * MaxLearningRate) };
        }

        double logMin = Math.Log(MinLearningRate), step = (Math.Log(MaxLearningRate) - logMin) / (LearningRateGridPoints - 1);
        return Enumerable.Range(0, LearningRateGridPoints).Select(i => Math.Exp(logMin + (i * step))).ToArray();
    }

    /// <summary>Checks every setting and names the first one that is empty or out of range, with the fix.</summary>
    /// <exception cref="ArgumentException">A list is empty or holds a value out of range, or a method is not registered.</exception>
    internal void Validate()
    {
        NotEmpty(Methods.Count, nameof(Methods), "add at least one method configuration, for example new LoraConfig()");
        NotEmpty(Ranks.Count, nameof(Ranks), "add at least one rank, for example 8");
        NotEmpty(AlphaRankRatios.Count, nameof(AlphaRankRatios), "add at least one ratio, for example 2");
        NotEmpty(TargetModuleSets.Count, nameof(TargetModuleSets), "add null for the task's default targets");
        NotEmpty(Dropouts.Count, nameof(Dropouts), "add at least one dropout, for example 0.1");
        for (int i = 0; i < Methods.Count; i++)
        {
            if (Methods[i] is not { } method)
            {
                throw new ArgumentException($"`{nameof(PeftSearchSpace)}.{nameof(Methods)}[{i}]` is null; give a method configuration such as new LoraConfig().", nameof(Methods));
            }

            _ = PeftMethodRegistry.ForConfig(method);
        }

        Each(Ranks, nameof(Ranks), r => r >= 1, "must be at least 1");
        Each(AlphaRankRatios, nameof(AlphaRankRatios), a => a > 0 && double.IsFinite(a), "must be a positive finite number");
        Each(Dropouts, nameof(Dropouts), d => d is >= 0 and < 1, "must be within [0, 1)");
        for (int i = 0; i < TargetModuleSets.Count; i++)
        {
            if (TargetModuleSets[i] is { } set && (set.Count == 0 || set.Any(string.IsNullOrWhiteSpace)))
            {
                throw new ArgumentException(
                    $"`{nameof(PeftSearchSpace)}.{nameof(TargetModuleSets)}[{i}]` must name at least one module and no empty name; use null for the task's default targets.",
                    nameof(TargetModuleSets));
            }
        }

        if (!(MinLearningRate > 0 && double.IsFinite(MinLearningRate) && MaxLearningRate >= MinLearningRate && double.IsFinite(MaxLearningRate)))
        {
            throw new ArgumentException(
                $"The learning-rate range must satisfy 0 < `{nameof(MinLearningRate)}` ≤ `{nameof(MaxLearningRate)}`, got [{MinLearningRate}, {MaxLearningRate}].",
                nameof(MinLearningRate));
        }

        if (LearningRateGridPoints < 1)
        {
            throw new ArgumentException($"`{nameof(PeftSearchSpace)}.{nameof(LearningRateGridPoints)}` must be at least 1, got {LearningRateGridPoints}.", nameof(LearningRateGridPoints));
        }
    }

    private static void NotEmpty(int count, string name, string fix)
    {
        if (count == 0)
        {
            throw new ArgumentException($"The search space is empty: `{nameof(PeftSearchSpace)}.{name}` has no value; {fix}.", name);
        }
    }

    private static void Each<T>(IList<T> values, string name, Func<T, bool> valid, string rule)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (!valid(values[i]))
            {
                throw new ArgumentException(
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"`{nameof(PeftSearchSpace)}.{name}[{i}]` {rule}, got {values[i]}."), name);
            }
        }
    }
}
