// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Keeps the validation history, the best epoch and (with early stopping on) a copy of that epoch's trainable
/// values, and says when patience has run out.
/// </summary>
/// <remarks>
/// Only a strictly better finite metric counts as an improvement. Everything but the copy of the best values is
/// derived from the history, so a checkpoint restores it from the history alone. The copy lives on the training
/// device: small for adapters, but as large as the model again when every parameter trains.
/// </remarks>
internal sealed class EarlyStopping : IDisposable
{
    private readonly List<double> _history = new();
    private readonly bool _higherIsBetter;
    private Dictionary<string, Tensor>? _best;

    /// <summary>Creates the tracker; <paramref name="patience"/> null keeps the history without ever stopping or copying values.</summary>
    internal EarlyStopping(bool higherIsBetter, int? patience)
    {
        _higherIsBetter = higherIsBetter;
        Patience = patience;
    }

    /// <summary>Gets the number of epochs without improvement that ends training; null when early stopping is off.</summary>
    internal int? Patience { get; }

    /// <summary>Gets the metric of every finished epoch.</summary>
    internal IReadOnlyList<double> History => _history;

    /// <summary>Gets the 0-based index of the best epoch; null while no epoch has a finite metric.</summary>
    internal int? BestEpochIndex { get; private set; }

    /// <summary>Gets a value indicating whether patience has run out.</summary>
    internal bool ShouldStop => Patience is int patience && EpochsWithoutImprovement >= patience;

    /// <summary>Gets a copy of the best epoch's trainable values (owned by this object); null when there is none or early stopping is off.</summary>
    internal IReadOnlyDictionary<string, Tensor>? BestValues => _best;

    private int EpochsWithoutImprovement => BestEpochIndex is int best ? _history.Count - 1 - best : _history.Count;

    /// <summary>Records an epoch's metric; on an improvement with early stopping on, copies the trainable values.</summary>
    /// <returns>True when the metric improved on every earlier epoch.</returns>
    internal bool Record(double metric, IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        _history.Add(metric);
        if (!IsBetter(metric))
        {
            return false;
        }

        BestEpochIndex = _history.Count - 1;
        if (Patience is not null)
        {
            using var scope = NewDisposeScope();
            ReplaceBest(parameters.ToDictionary(p => p.Name, p => p.Parameter.detach().clone().DetachFromDisposeScope()));
        }

        return true;
    }

    /// <summary>Rebuilds the history from a checkpoint and takes ownership of its copy of the best values.</summary>
    internal void Restore(IEnumerable<double> history, Dictionary<string, Tensor>? bestValues)
    {
        _history.Clear();
        BestEpochIndex = null;
        foreach (double metric in history)
        {
            _history.Add(metric);
            if (IsBetter(metric))
            {
                BestEpochIndex = _history.Count - 1;
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

    private bool IsBetter(double metric)
    {
        if (!double.IsFinite(metric))
        {
            return false;
        }

        if (BestEpochIndex is not int best)
        {
            return true;
        }

        return _higherIsBetter ? metric > _history[best] : metric < _history[best];
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
