// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// AdamW (<see cref="ScopedAdamW"/>, TorchSharp's arithmetic with one dispose scope per parameter) over the trainable
/// parameters, in two groups (decayed and not, see <see cref="WeightDecayPolicy"/>), with its moments exposed by parameter
/// name for checkpoints.
/// </summary>
/// <remarks>
/// The moments (<c>exp_avg</c>, <c>exp_avg_sq</c>, <c>step</c>) are stored in safetensors keyed by parameter name, rather
/// than with TorchSharp's <c>save_state_dict</c>, whose binary format identifies parameters by position alone and cannot
/// say which one does not fit.
/// </remarks>
internal sealed class TrainingOptimizer : IDisposable
{
    internal const string ExpAvgSuffix = ".exp_avg";
    internal const string ExpAvgSqSuffix = ".exp_avg_sq";
    internal const string StepSuffix = ".step";

    private readonly ScopedAdamW _adamW;
    private readonly List<(string Name, Parameter Parameter)> _ordered;

    /// <summary>Creates AdamW (betas 0.9/0.999, eps 1e-8, as Hugging Face's Trainer) over <paramref name="parameters"/>.</summary>
    internal TrainingOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var decayed = parameters.Where(p => WeightDecayPolicy.AppliesTo(p.Name)).ToList();
        var notDecayed = parameters.Where(p => !WeightDecayPolicy.AppliesTo(p.Name)).ToList();

        // AdamW keeps its state in group order; the same order maps states back to names.
        _ordered = decayed.Concat(notDecayed).ToList();
        _adamW = new ScopedAdamW(decayed.Select(p => (p.Parameter, weightDecay)).Concat(notDecayed.Select(p => (p.Parameter, 0.0))));
    }

    /// <summary>Gets the optimized parameters in state order.</summary>
    internal IReadOnlyList<(string Name, Parameter Parameter)> Parameters => _ordered;

    /// <summary>Sets the learning rate of every group for the next step.</summary>
    internal void SetLearningRate(double learningRate) => _adamW.LearningRate = learningRate;

    /// <summary>Drops the gradients (PyTorch's <c>set_to_none</c>): frees their memory, and a parameter the next loss does not use is not stepped.</summary>
    internal void ClearGradients()
    {
        foreach (var (_, parameter) in _ordered)
        {
            parameter.grad = null;
        }
    }

    /// <summary>
    /// Scales the gradients so their global L2 norm is at most <paramref name="maxNorm"/>, as PyTorch's <c>clip_grad_norm_</c>
    /// (the norm of the per-parameter norms; scale <c>min(1, maxNorm / (norm + 1e-6))</c>). When the norm is not finite the
    /// gradients are left as they are and <paramref name="nonFinite"/> names the parameters whose own norms are not finite:
    /// scaling first would spread the NaN to every gradient and hide where it came from.
    /// </summary>
    /// <returns>The norm before clipping.</returns>
    internal double ClipGradients(double maxNorm, out IReadOnlyList<string> nonFinite)
    {
        using var scope = NewDisposeScope();
        var withGradients = new List<(string Name, Tensor Gradient)>();
        foreach (var (name, parameter) in _ordered)
        {
            if (parameter.grad is { } gradient)
            {
                withGradients.Add((name, gradient));
            }
        }

        nonFinite = Array.Empty<string>();
        if (withGradients.Count == 0)
        {
            return 0;
        }

        var norms = stack(withGradients.Select(g => linalg.vector_norm(g.Gradient)).ToArray());
        var total = linalg.vector_norm(norms);
        double value = total.item<float>();
        if (!double.IsFinite(value))
        {
            bool[] finite = isfinite(norms).data<bool>().ToArray();
            nonFinite = withGradients.Where((_, i) => !finite[i]).Select(g => g.Name).ToArray();
            return value;
        }

        var coefficient = (maxNorm / (total + 1e-6)).clamp_max(1.0);
        foreach (var (_, gradient) in withGradients)
        {
            gradient.mul_(coefficient);
        }

        return value;
    }

    /// <summary>Applies one AdamW update with the current gradients and learning rate.</summary>
    internal void Step() => _adamW.Step();

    /// <summary>Returns fresh aliases of the moments and 0-d step counters, keyed <c>name.exp_avg</c>, <c>name.exp_avg_sq</c>, <c>name.step</c>.</summary>
    /// <remarks>Call inside a dispose scope: the returned tensors belong to it.</remarks>
    internal List<KeyValuePair<string, Tensor>> StateTensors()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        foreach (var ((name, _), state) in _ordered.Zip(States()))
        {
            result.Add(new(name + ExpAvgSuffix, state.ExpAvg.alias()));
            result.Add(new(name + ExpAvgSqSuffix, state.ExpAvgSq.alias()));
            result.Add(new(name + StepSuffix, tensor(state.Step)));
        }

        return result;
    }

    /// <summary>Copies moments and step counters written by <see cref="StateTensors"/> into the optimizer.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has another shape; the message names it.</exception>
    internal void LoadStateTensors(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var ((name, _), state) in _ordered.Zip(States()))
        {
            state.ExpAvg.copy_(Get(tensors, name + ExpAvgSuffix, state.ExpAvg, source));
            state.ExpAvgSq.copy_(Get(tensors, name + ExpAvgSqSuffix, state.ExpAvgSq, source));
            state.Step = Get(tensors, name + StepSuffix, null, source).item<long>();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _adamW.Dispose();

    private IReadOnlyList<ScopedAdamW.Slot> States() => _adamW.States;

    private static Tensor Get(IReadOnlyDictionary<string, Tensor> tensors, string key, Tensor? like, string source)
    {
        if (!tensors.TryGetValue(key, out var value))
        {
            throw new InvalidDataException($"The optimizer state in '{source}' has no tensor '{key}'; the checkpoint does not belong to this model.");
        }

        if (like is not null && !value.shape.SequenceEqual(like.shape))
        {
            throw new InvalidDataException(
                $"The optimizer state '{key}' in '{source}' has shape [{string.Join(", ", value.shape)}], but the parameter has [{string.Join(", ", like.shape)}].");
        }

        return value;
    }
}
