// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// The change detector's training loss: binary cross-entropy of every pixel plus the soft Dice loss of the change class,
/// weighted one to one. Changed pixels are a few percent of a LEVIR-CD tile; cross-entropy alone is then minimised by
/// predicting no change, and Dice, which scores the overlap of predicted and true change, is what keeps the change class
/// in view. Dice is taken over the whole batch with a smoothing of 1, so a batch without change gives a small loss for a
/// prediction of no change instead of 0/0.
/// </summary>
internal static class ChangeDetectionLoss
{
    internal const double CrossEntropyWeight = 1.0;
    internal const double DiceWeight = 1.0;
    internal const double DiceSmoothing = 1.0;

    /// <summary>The weighted loss, a scalar.</summary>
    /// <param name="logits">Change logits, any shape, such as (batch, height, width).</param>
    /// <param name="mask">The true change, 1 or 0, the shape of <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    internal static Tensor Compute(Tensor logits, Tensor mask)
    {
        if (!logits.shape.SequenceEqual(mask.shape))
        {
            throw new ArgumentException($"The change logits are {string.Join(" × ", logits.shape)} but the mask is {string.Join(" × ", mask.shape)}.", nameof(mask));
        }

        var target = mask.to(logits.dtype);
        var crossEntropy = nn.functional.binary_cross_entropy_with_logits(logits, target);
        return crossEntropy.mul(CrossEntropyWeight).add(Dice(logits, target).mul(DiceWeight));
    }

    /// <summary>1 − (2·Σ p·t + s) / (Σ p + Σ t + s), p the change probabilities, over the whole batch.</summary>
    internal static Tensor Dice(Tensor logits, Tensor target)
    {
        var probability = logits.sigmoid();
        var overlap = probability.mul(target).sum().mul(2).add(DiceSmoothing);
        var total = probability.sum().add(target.sum()).add(DiceSmoothing);
        return overlap.div(total).neg().add(1);
    }
}
