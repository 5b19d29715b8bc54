// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.DyLora;

namespace Microsoft.ML.Peft;

/// <summary>Choosing the rank of a DyLoRA adapter after training, and evaluating every rank for a rank search.</summary>
public static class DyLoraModelExtensions
{
    /// <summary>Sets the rank b that a DyLoRA adapter uses outside training and in merges, on every layer.</summary>
    /// <param name="model">A model with a DyLoRA adapter.</param>
    /// <param name="rank">The rank, within [1, r_max].</param>
    /// <param name="adapterName">The adapter; the active one when null.</param>
    /// <remarks>The choice is recorded in the adapter's configuration (<see cref="DyLoraConfig.EvaluationRank"/>), so
    /// <see cref="PeftModel.SaveAdapter"/> keeps it.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The adapter is not a DyLoRA adapter.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is outside [1, r_max].</exception>
    /// <exception cref="InvalidOperationException">The adapter is merged; unmerge it first.</exception>
    public static void SetDyLoraRank(this PeftModel model, int rank, string? adapterName = null)
    {
        var (config, layers, name) = Resolve(model, adapterName);
        if (rank < 1 || rank > config.Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"The DyLoRA rank must be within [1, {config.Rank}] (r_max of adapter '{name}'), got {rank}.");
        }

        var merged = layers.FirstOrDefault(l => l.MergedAdapters.Contains(name));
        if (merged is not null)
        {
            throw new InvalidOperationException(
                $"Adapter '{name}' is merged at rank {config.EffectiveEvaluationRank}; call {nameof(PeftModel.UnmergeAdapter)}() before changing the rank.");
        }

        foreach (var layer in layers)
        {
            layer.SetEvaluationRank(name, rank);
        }

        config.RecordEvaluationRank(rank);
    }

    /// <summary>Gets the rank a DyLoRA adapter uses outside training and in merges.</summary>
    /// <param name="model">A model with a DyLoRA adapter.</param>
    /// <param name="adapterName">The adapter; the active one when null.</param>
    /// <returns>The rank b, within [1, r_max].</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The adapter is not a DyLoRA adapter.</exception>
    public static int GetDyLoraRank(this PeftModel model, string? adapterName = null) =>
        Resolve(model, adapterName).Config.EffectiveEvaluationRank;

    /// <summary>
    /// Evaluates <paramref name="metric"/> with the adapter at every rank 1..r_max and returns the values; the rank in use
    /// before the call is restored afterwards, even when the metric throws.
    /// </summary>
    /// <param name="model">A model with an unmerged DyLoRA adapter.</param>
    /// <param name="metric">Computes the metric of the model as it is now (for example validation accuracy); it is given the rank.</param>
    /// <param name="adapterName">The adapter; the active one when null.</param>
    /// <returns>The metric per rank, in rank order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="metric"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The adapter is not a DyLoRA adapter.</exception>
    /// <exception cref="InvalidOperationException">The adapter is merged; unmerge it first.</exception>
    public static IReadOnlyDictionary<int, double> EvaluateDyLoraRanks(this PeftModel model, Func<int, double> metric, string? adapterName = null)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var (config, _, name) = Resolve(model, adapterName);
        int previous = config.EffectiveEvaluationRank;
        var results = new SortedDictionary<int, double>();
        try
        {
            for (int rank = 1; rank <= config.Rank; rank++)
            {
                model.SetDyLoraRank(rank, name);
                results[rank] = metric(rank);
            }
        }
        finally
        {
            if (!model.IsMerged)
            {
                model.SetDyLoraRank(previous, name);
            }
        }

        return results;
    }

    private static (DyLoraConfig Config, IReadOnlyList<DyLoraLinear> Layers, string Name) Resolve(PeftModel model, string? adapterName)
    {
        ArgumentNullException.ThrowIfNull(model);
        string name = adapterName ?? model.ActiveAdapter;
        if (model.GetConfig(name) is not DyLoraConfig config)
        {
            throw new ArgumentException($"Adapter '{name}' is a {model.GetConfig(name).PeftType} adapter, not DyLoRA.", nameof(adapterName));
        }

        var layers = model.TunerLayers.OfType<DyLoraLinear>().Where(l => l.AdapterNames.Contains(name)).ToList();
        return (config, layers, name);
    }
}
