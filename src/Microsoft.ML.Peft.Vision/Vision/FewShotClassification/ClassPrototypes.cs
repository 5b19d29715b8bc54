// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.FewShotClassification;

/// <summary>
/// The starting head of a few-shot classifier on an image-only backbone: one prototype per class, the normalised mean of
/// its examples' L2-normalised features. Cosine logits against these prototypes classify by nearest class mean, so the
/// classifier predicts sensibly before the first training step, as CLIP's text prompts do for a CLIP backbone.
/// </summary>
internal static class ClassPrototypes
{
    /// <summary>The prototypes, (classes, dim), each of unit length.</summary>
    /// <param name="features">Features of the training examples, (examples, dim), on any device.</param>
    /// <param name="labels">Each example's class index, 0 to <paramref name="classes"/> − 1.</param>
    /// <param name="classes">The number of classes.</param>
    /// <exception cref="ArgumentException">The counts differ, a label is out of range, or a class has no example (its index is named).</exception>
    internal static Tensor Compute(Tensor features, IReadOnlyList<long> labels, int classes)
    {
        if (features.shape[0] != labels.Count)
        {
            throw new ArgumentException($"There are {features.shape[0]} feature rows but {labels.Count} labels.", nameof(labels));
        }

        var outOfRange = labels.Where(l => l < 0 || l >= classes).Take(1).ToList();
        if (outOfRange.Count > 0)
        {
            throw new ArgumentException($"Label {outOfRange[0]} is outside 0 to {classes - 1}.", nameof(labels));
        }

        var counts = new long[classes];
        foreach (long label in labels)
        {
            counts[label]++;
        }

        int empty = Array.IndexOf(counts, 0L);
        if (empty >= 0)
        {
            throw new ArgumentException($"Class {empty} has no training example, so it has no prototype; give every class at least one example.", nameof(labels));
        }

        using var scope = NewDisposeScope();
        var normalised = nn.functional.normalize(features.detach(), p: 2, dim: 1);
        var index = tensor(labels.ToArray(), device: features.device);
        using var one = 1.0.ToScalar();
        var sums = zeros(classes, features.shape[1], dtype: features.dtype, device: features.device).index_add(0, index, normalised, one);
        return nn.functional.normalize(sums, p: 2, dim: 1).MoveToOuterDisposeScope();
    }
}
