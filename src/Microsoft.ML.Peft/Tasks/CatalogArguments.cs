// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>What the task catalogs' simple overloads share: each takes a backbone, LoRA's rank and alpha, and the schedule.</summary>
internal static class CatalogArguments
{
    /// <summary>
    /// Checks <paramref name="backbone"/>, <paramref name="rank"/> and <paramref name="alpha"/> under those parameter names and
    /// sets them, LoRA with <paramref name="dropout"/>, and the schedule on <paramref name="options"/>.
    /// </summary>
    /// <returns><paramref name="options"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="backbone"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> or <paramref name="alpha"/> is not positive.</exception>
    internal static TOptions WithLora<TOptions>(TOptions options, PretrainedModel backbone, int rank, double alpha, double dropout, int epochs, int batchSize, double? learningRate)
        where TOptions : PeftTrainerOptions
    {
        ArgumentNullException.ThrowIfNull(backbone, nameof(backbone));
        if (rank <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank is LoRA's r, the inner dimension of each adapter, and must be at least 1 (typically 4 to 64); got {rank}.");
        }

        if (!(alpha > 0) || double.IsInfinity(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"alpha is LoRA's scaling numerator (the update is scaled by alpha / rank) and must be a positive finite number, commonly twice the rank; got {alpha}.");
        }
        options.Backbone = backbone;
        options.Method = new LoraConfig { Rank = rank, Alpha = alpha, Dropout = dropout };
        options.Epochs = epochs;
        options.BatchSize = batchSize;
        options.LearningRate = learningRate;
        return options;
    }
}
