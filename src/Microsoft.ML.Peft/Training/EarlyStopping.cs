// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Keeps the validation history (the task's metric and, where the task has one, the validation loss), the best epoch of the
/// monitored one and (with early stopping on) a copy of that epoch's trainable values, and says when patience has run out.
/// </summary>
/// <remarks>
/// An epoch improves when its monitored value is finite and beats the best so far by more than <see cref="MinDelta"/>, as in
/// Keras' <c>min_delta</c> and Hugging Face's <c>early_stopping_threshold</c>. Epochs before <see cref="MinEpochs"/> are recorded
/// but neither count as the best nor against patience (Keras' <c>start_from_epoch</c>): on small data the first epochs often
/// predict one class everywhere, and an early stop would keep that. Everything but the copy of the best values is derived from
/// the history, so a checkpoint restores it from the history alone. The copy lives on the training device: small for
/// adapters, but as large as the model again when every parameter trains.
/// </remarks>
internal sealed class EarlyStopping : IDisposable
{
    private readonly List<double> _metrics = new();
    private readonly List<double?> _losses = new();
    private readonly bool _higherIsBetter;
    private Dictionary<string, Tensor>? _best;

    /// <summary>Creates the tracker; <paramref name="patience"/> null keeps the history without ever stopping or copying values.</summary>
    /// <param name="higherIsBetter">Whether the task's metric improves upwards; the loss always improves downwards.</param>
    /// <param name="patience">Epochs without improvement that end training; null turns early stopping off.</param>
    /// <param name="monitorLoss">Whether the validation loss, rather than the task's metric, decides the best epoch.</param>
    /// <param name="minDelta">The margin by which a value must beat the best to count as an improvement; 0 or more.</param>
    /// <param name="minEpochs">The first epoch (1-based) that can be the best or count against patience; 1 or more.</param>
    internal EarlyStopping(bool higherIsBetter, int? patience, bool monitorLoss = false, double minDelta = 0, int minEpochs = 1)
    {
        _higherIsBetter = higherIsBetter;
        Patience = patience;
        MonitorsLoss = monitorLoss;
        MinDelta = minDelta;
        MinEpochs = minEpochs;
    }

    /// <summary>Gets the number of epochs without improvement that ends training; null when early stopping is off.</summary>
    internal int? Patience { get; }

    /// <summary>Gets a value indicating whether the validation loss, not the task's metric, decides the best epoch.</summary>
    internal bool MonitorsLoss { get; }

    /// <summary>Gets the margin an improvement must exceed.</summary>
    internal double MinDelta { get; }

    /// <summary>Gets the first epoch (1-based) that is monitored.</summary>
    internal int MinEpochs { get; }

    /// <summary>Gets the task's metric of every finished epoch.</summary>
    internal IReadOnlyList<double> History => _metrics;

    /// <summary>Gets the validation loss of every finished epoch; null entries where the task measured none.</summary>
    internal IReadOnlyList<double?> LossHistory => _losses;

    /// <summary>Gets the 0-based index of the best epoch; null while no monitored epoch has a finite value.</summary>
    internal int? BestEpochIndex { get; private set; }

    /// <summary>Gets the monitored value of the best epoch; null while there is none.</summary>
    internal double? BestValue => BestEpochIndex is int best ? Monitored(best) : null;

    /// <summary>Gets a value indicating whether patience has run out.</summary>
    internal bool ShouldStop => Patience is int patience && EpochsWithoutImprovement >= patience;

    /// <summary>Gets a copy of the best epoch's trainable values (owned by this object); null when there is none or early stopping is off.</summary>
    internal IReadOnlyDictionary<string, Tensor>? BestValues => _best;

    private int EpochsWithoutImprovement => BestEpochIndex is int best
        ? _metrics.Count - 1 - best
        : Math.Max(0, _metrics.Count - (MinEpochs - 1));

    /// <summary>Records an epoch's metric and loss; on an improvement with early stopping on, copies the trainable values.</summary>
    /// <returns>True when the monitored value improved on the best earlier epoch.</returns>
    internal bool Record(double metric, double? loss, IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        _metrics.Add(metric);
        _losses.Add(loss);
        if (!IsBetter(_metrics.Count - 1))
        {
            return false;
        }

        BestEpochIndex = _metrics.Count - 1;
        if (Patience is not null)
        {
            using var scope = NewDisposeScope();
            ReplaceBest(parameters.ToDictionary(p => p.Name, p => p.Parameter.detach().clone().DetachFromDisposeScope()));
        }

        return true;
    }

    /// <summary>Rebuilds the history from a checkpoint and takes ownership of its copy of the best values.</summary>
    internal void Restore(IReadOnlyList<double> metrics, IReadOnlyList<double?>? losses, Dictionary<string, Tensor>? bestValues)
    {
        _metrics.Clear();
        _losses.Clear();
        BestEpochIndex = null;
        for (int epoch = 0; epoch < metrics.Count; epoch++)
        {
            _metrics.Add(metrics[epoch]);
            _losses.Add(losses is not null && epoch < losses.Count ? losses[epoch] : null);
            if (IsBetter(epoch))
            {
                BestEpochIndex = epoch;
            }
        }

        ReplaceBest(bestValues);
    }
    /// <summary>Copies the best epoch's values back into the trainable parameters.</summary>
    /// <returns>False when there is nothing to restore.</returns>
    internal bool RestoreBest(IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        if (_best is null)
        {
            return false;
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            parameter.copy_(_best[name]);
        }

        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => ReplaceBest(null);

    private double Monitored(int epoch) => MonitorsLoss ? _losses[epoch] ?? double.NaN : _metrics[epoch];

    private bool IsBetter(int epoch)
    {
        double value = Monitored(epoch);
        if (!double.IsFinite(value) || epoch + 1 < MinEpochs)
        {
            return false;
        }

        if (BestEpochIndex is not int best)
        {
            return true;
        }

        double bestValue = Monitored(best);
        return MonitorsLoss || !_higherIsBetter ? value < bestValue - MinDelta : value > bestValue + MinDelta;
    }

    private void ReplaceBest(Dictionary<string, Tensor>? values)
    {
        if (_best is not null)
        {
            foreach (var tensor in _best.Values)
            {
                tensor.Dispose();
            }
        }

        _best = values;
    }
}
