// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft;

/// <summary>Combining LoRA adapters of a <see cref="PeftModel"/> into a new one (PEFT's <c>add_weighted_adapter</c>).</summary>
public static class LoraWeightedAdapters
{
    /// <summary>
    /// Adds a LoRA adapter that combines existing ones with weights, as Hugging Face PEFT's
    /// <c>LoraModel.add_weighted_adapter</c> does; the new adapter stays inactive until <see cref="PeftModel.SetActiveAdapter"/>.
    /// </summary>
    /// <param name="model">The model whose LoRA adapters are combined; it receives the new adapter.</param>
    /// <param name="adapters">The LoRA adapters to combine; one adapter always uses <see cref="AdapterCombination.Linear"/>, as in PEFT.</param>
    /// <param name="weights">One weight per adapter; negative weights subtract.</param>
    /// <param name="newAdapterName">The name of the new adapter; must not exist yet.</param>
    /// <param name="combination">How to combine (<c>combination_type</c>); see <see cref="AdapterCombination"/>.</param>
    /// <param name="svdRank">The rank of the SVD combinations; the largest source rank when null (<c>svd_rank</c>).</param>
    /// <param name="svdClamp">A quantile q in [0, 1]: SVD factors are clamped to ±quantile(entries of B and A, q) (<c>svd_clamp</c>).</param>
    /// <param name="density">The fraction of entries kept by TIES, DARE and magnitude pruning, in [0, 1] (1 keeps all; DARE needs it
    /// above 0); required by those combinations, ignored by the others.</param>
    /// <param name="majoritySignMethod">How TIES elects signs (<c>majority_sign_method</c>).</param>
    /// <remarks>
    /// <para>
    /// The new configuration is adapter <c>adapters[0]</c>'s with <c>r = lora_alpha = </c> the new rank (so the scaling
    /// is 1, or √r with rsLoRA), no rank or alpha patterns, and the union of the adapters' target modules (regexes are
    /// joined as <c>(p1)|(p2)</c>). Its modules_to_save start from the original modules, as in PEFT. Unlike PEFT, the new
    /// adapter is created with the default initialization whatever the first adapter used, so a PiSSA/OLoRA
    /// initialization does not rewrite the base weights again.
    /// </para>
    /// <para>
    /// Only <see cref="AdapterCombination.Cat"/> reproduces <c>Σ w_i·s_i·B_i·A_i</c> exactly; the factor-wise types
    /// add cross terms <c>B_i·A_j</c>, and the SVD types weight each already scaled update by <c>w_i·s_i</c> again, as
    /// PEFT does, and truncate. DARE draws from torch's global generator: seed it with <c>torch.manual_seed</c>.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The lists are empty or differ in length, the new name exists, the ranks differ for a type that
    /// needs equal ranks, the targets mix lists and regexes, two adapters train the same module in modules_to_save, or an option is out of range.</exception>
    /// <exception cref="KeyNotFoundException">An adapter name is unknown.</exception>
    /// <exception cref="NotSupportedException">An adapter is not a LoRA adapter.</exception>
    public static void AddWeightedAdapter(
        this PeftModel model,
        IReadOnlyList<string> adapters,
        IReadOnlyList<double> weights,
        string newAdapterName,
        AdapterCombination combination = AdapterCombination.Svd,
        int? svdRank = null,
        double? svdClamp = null,
        double? density = null,
        MajoritySignMethod majoritySignMethod = MajoritySignMethod.Total)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfReleased();
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(newAdapterName);
        var configs = CheckWeightedSources(model, adapters, weights, newAdapterName);
        combination = adapters.Count == 1 ? AdapterCombination.Linear : combination;
        double checkedDensity = CheckWeightedOptions(combination, svdRank, svdClamp, density);
        int newRank = WeightedRank(configs, combination, svdRank);

        var config = (LoraConfig)configs[0].Clone();
        config.Rank = newRank;
        config.Alpha = newRank;
        config.TargetModules = UnionOfTargets(configs);
        config.RankPattern = new Dictionary<string, int>();
        config.AlphaPattern = new Dictionary<string, double>();
        config.PissaIterations = null;
        config.Initialization = LoraInitialization.Default;
        var sources = adapters.Zip(weights, (a, w) => (a, w)).ToList();
        var options = new LoraWeightedCombination.Options(combination, newRank, svdClamp, checkedDensity, majoritySignMethod);
        model.AddAdapter(newAdapterName, config, initializeLayer: target =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var layer = (LoraLayer)target;
            var (a, b) = LoraWeightedCombination.Combine(layer, sources, options);
            var (targetA, targetB) = layer.Factors(newAdapterName);
            targetA.copy_(a);
            targetB.copy_(b);
        });
    }

    private static List<LoraConfig> CheckWeightedSources(PeftModel model, IReadOnlyList<string> adapters, IReadOnlyList<double> weights, string newAdapterName)
    {
        if (adapters.Count == 0)
        {
            throw new ArgumentException("Give at least one adapter to combine.", nameof(adapters));
        }

        if (weights.Count != adapters.Count)
        {
            throw new ArgumentException($"Give one weight per adapter: {adapters.Count} adapters but {weights.Count} weights.", nameof(weights));
        }

        if (weights.Any(w => !double.IsFinite(w)))
        {
            throw new ArgumentException($"Weights must be finite numbers, got [{string.Join(", ", weights)}].", nameof(weights));
        }

        if (model.AdapterNames.Contains(newAdapterName))
        {
            // PEFT silently returns here; an explicit error avoids mistaking the old adapter for the combination.
            throw new ArgumentException($"An adapter named '{newAdapterName}' already exists; delete it or pick another name.", nameof(newAdapterName));
        }

        var configs = new List<LoraConfig>();
        foreach (string adapter in adapters)
        {
            var config = model.GetConfig(adapter);
            configs.Add(config as LoraConfig
                ?? throw new NotSupportedException($"{nameof(AddWeightedAdapter)} combines LoRA adapters; '{adapter}' is {config.PeftType}."));
        }

        int shared = model.ModulesToSaveSlots.Count(slot => adapters.Distinct().Count(slot.AdapterNames.Contains) > 1);
        if (shared > 0)
        {
            throw new ArgumentException(
                $"Cannot add weighted adapters if they target the same module with modules_to_save, but found {shared} such module(s); combine adapters whose `{nameof(PeftConfig.ModulesToSave)}` do not overlap.",
                nameof(adapters));
        }

        return configs;
    }

    private static double CheckWeightedOptions(AdapterCombination combination, int? svdRank, double? svdClamp, double? density)
    {
        if (!Enum.IsDefined(combination))
        {
            throw new ArgumentOutOfRangeException(nameof(combination), combination, $"Unknown combination; use one of [{string.Join(", ", Enum.GetNames<AdapterCombination>())}].");
        }

        if (svdRank is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(svdRank), svdRank, $"`{nameof(svdRank)}` must be positive, got {svdRank}.");
        }

        if (svdClamp is double q && !(q >= 0 && q <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(svdClamp), svdClamp, $"`{nameof(svdClamp)}` is a quantile and must be within [0, 1], got {q}.");
        }

        bool prunes = combination is not (AdapterCombination.Cat or AdapterCombination.Linear or AdapterCombination.Svd);
        if (!prunes)
        {
            return 1.0;
        }

        bool dare = combination is AdapterCombination.DareLinear or AdapterCombination.DareTies or AdapterCombination.DareLinearSvd or AdapterCombination.DareTiesSvd;
        if (density is not double d)
        {
            throw new ArgumentException($"{combination} prunes the adapters and needs `{nameof(density)}`, the fraction of entries to keep, e.g. 0.5.", nameof(density));
        }

        // PEFT divides DARE's kept entries by the density, so 0 would give NaN there.
        if (!(d >= 0 && d <= 1) || (dare && d == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(density), density, $"`{nameof(density)}` must be within {(dare ? "(0, 1]" : "[0, 1]")} for {combination}, got {d}.");
        }

        return d;
    }

    private static int WeightedRank(IReadOnlyList<LoraConfig> configs, AdapterCombination combination, int? svdRank)
    {
        // The largest rank an adapter can have on any layer, as PEFT sizes it.
        var ranks = configs.Select(c => c.RankPattern.Values.Append(c.Rank).Max()).ToList();
        switch (combination)
        {
            case AdapterCombination.Cat:
                return ranks.Sum();
            case AdapterCombination.Svd or AdapterCombination.TiesSvd or AdapterCombination.DareLinearSvd
                or AdapterCombination.DareTiesSvd or AdapterCombination.MagnitudePruneSvd:
                return svdRank ?? ranks.Max();
            default:
                if (ranks.Distinct().Count() != 1)
                {
                    throw new ArgumentException(
                        $"All adapters must have the same rank for {combination}, got [{string.Join(", ", ranks)}]; use {nameof(AdapterCombination.Cat)} or an SVD combination.",
                        nameof(combination));
                }

                return ranks[0];
        }
    }

    private static ModuleSelector UnionOfTargets(IReadOnlyList<LoraConfig> configs)
    {
        var selectors = configs.Select(c => c.TargetModules!).ToList();
        if (selectors.All(s => s.Kind == ModuleSelectorKind.Regex))
        {
            return ModuleSelector.FromRegex(string.Join("|", selectors.Select(s => $"({s.Pattern})")));
        }

        if (selectors.All(s => s.Kind == ModuleSelectorKind.Names))
        {
            return ModuleSelector.FromNames(selectors.SelectMany(s => s.Names).Distinct(StringComparer.Ordinal));
        }

        throw new ArgumentException(
            "All adapters must select their target modules the same way; combining a list of names with a regex is not supported (as in PEFT).",
            "adapters");
    }
}
