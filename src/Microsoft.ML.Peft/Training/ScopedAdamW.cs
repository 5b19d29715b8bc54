// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// AdamW (decoupled weight decay, no AMSGrad) with the arithmetic of TorchSharp's <c>optim.AdamW</c> and PyTorch's
/// single-tensor <c>torch.optim.AdamW</c>, whose step frees each parameter's temporaries before it moves to the next.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>AdamW.step</c> runs the whole loop in one dispose scope, so the gradient alias, the square root and
/// the denominator of every parameter stay alive until the last parameter is updated; with full fine-tuning that is a copy
/// of the model's size at the step's peak, and the allocator's churn slows the step. The moments are allocated when the
/// optimizer is built, as TorchSharp's are, so a checkpoint holds them for every parameter.
/// </remarks>
internal sealed class ScopedAdamW : IDisposable
{
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly List<Slot> _slots = new();

    /// <param name="groups">The parameters with the weight decay of their group, in state order.</param>
    /// <param name="beta1">The first moment's coefficient.</param>
    /// <param name="beta2">The second moment's coefficient.</param>
    /// <param name="eps">The term added to the denominator.</param>
    internal ScopedAdamW(IEnumerable<(Parameter Parameter, double WeightDecay)> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        using var noGrad = no_grad();
        foreach (var (parameter, weightDecay) in groups)
        {
            _slots.Add(new Slot(parameter, weightDecay, zeros_like(parameter).DetachFromDisposeScope(), zeros_like(parameter).DetachFromDisposeScope()));
        }
    }

    /// <summary>The learning rate of the next step, for every parameter.</summary>
    internal double LearningRate { get; set; } = 1e-3;

    /// <summary>Each parameter's moments and step count, in state order.</summary>
    internal IReadOnlyList<Slot> States => _slots;

    /// <summary>Updates every parameter that has a gradient; one without (unused by the loss) keeps its value and step count.</summary>
    internal void Step()
    {
        using var noGrad = no_grad();
        foreach (var slot in _slots)
        {
            using var scope = NewDisposeScope();
            if (slot.Parameter.grad is not { } gradient)
            {
                continue;
            }

            slot.Step++;
            double biasCorrection1 = 1 - Math.Pow(_beta1, slot.Step);
            double biasCorrection2 = 1 - Math.Pow(_beta2, slot.Step);

            // Explicit scalars, disposed with the step: a temporary Scalar may be finalized while the native call reads it.
            using var decay = (1 - (LearningRate * slot.WeightDecay)).ToScalar();
            using var beta1 = _beta1.ToScalar();
            using var oneMinusBeta1 = (1 - _beta1).ToScalar();
            using var beta2 = _beta2.ToScalar();
            using var oneMinusBeta2 = (1 - _beta2).ToScalar();
            using var correction2 = Math.Sqrt(biasCorrection2).ToScalar();
            using var eps = _eps.ToScalar();
            using var stepSize = (-LearningRate / biasCorrection1).ToScalar();

            slot.Parameter.mul_(decay);
            slot.ExpAvg.mul_(beta1).add_(gradient, alpha: oneMinusBeta1);
            slot.ExpAvgSq.mul_(beta2).addcmul_(gradient, gradient, value: oneMinusBeta2);
            var denominator = slot.ExpAvgSq.sqrt().div_(correction2).add_(eps);
            slot.Parameter.addcdiv_(slot.ExpAvg, denominator, value: stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var slot in _slots)
        {
            slot.ExpAvg.Dispose();
            slot.ExpAvgSq.Dispose();
        }
    }

    /// <summary>One parameter's optimizer state.</summary>
    internal sealed class Slot
    {
        internal Slot(Parameter parameter, double weightDecay, Tensor expAvg, Tensor expAvgSq)
        {
            Parameter = parameter;
            WeightDecay = weightDecay;
            ExpAvg = expAvg;
            ExpAvgSq = expAvgSq;
        }

        internal Parameter Parameter { get; }

        internal double WeightDecay { get; }

        /// <summary>The first moment, <c>exp_avg</c>.</summary>
        internal Tensor ExpAvg { get; }

        /// <summary>The second moment, <c>exp_avg_sq</c>.</summary>
        internal Tensor ExpAvgSq { get; }

        /// <summary>Steps taken, <c>step</c>.</summary>
        internal long Step { get; set; }
    }
}
