// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.NormTunedDetection;

/// <summary>
/// GenD's training loss over a batch: cross-entropy of the head's logits, plus terms on the L2-normalised features that pull
/// same-label features together (alignment) and spread all features over the sphere (uniformity), after Wang and Isola:
/// <c>1.0 · CE + 0.5 · uniformity + 0.1 · alignment</c>, with
/// alignment = mean over same-label pairs i &lt; j of ‖xᵢ − xⱼ‖², and
/// uniformity = log max(1e-6, mean over all pairs i &lt; j of exp(−2 ‖xᵢ − xⱼ‖²)), as GenD's <c>src/losses/unifalign.py</c>
/// computes them (its floor keeps the log finite when every pair is far apart).
/// A term without a pair in the batch (one example, or no two of a label) adds nothing.
/// </summary>
internal static class NormTunedDetectionLoss
{
    internal const double CrossEntropyWeight = 1.0;
    internal const double UniformityWeight = 0.5;
    internal const double AlignmentWeight = 0.1;
    private const double UniformityTemperature = 2.0;
    private const double UniformityFloor = 1e-6;

    /// <summary>The weighted loss, a scalar.</summary>
    /// <param name="features">L2-normalised features, (batch, dim).</param>
    /// <param name="logits">The head's logits, (batch, classes).</param>
    /// <param name="labels">Class indices, (batch), int64.</param>
    internal static Tensor Compute(Tensor features, Tensor logits, Tensor labels)
    {
        // The pairwise distances are computed once for both feature terms.
        var (squared, pairs) = PairwiseSquaredDistances(features);
        return nn.functional.cross_entropy(logits, labels).mul(CrossEntropyWeight)
            .add(UniformityOf(squared, pairs, features).mul(UniformityWeight))
            .add(AlignmentOf(squared, pairs, labels, features).mul(AlignmentWeight));
    }

    /// <summary>log mean exp(−2 ‖xᵢ − xⱼ‖²) over all pairs i &lt; j; 0 for a batch of one.</summary>
    internal static Tensor Uniformity(Tensor features)
    {
        var (squared, pairs) = PairwiseSquaredDistances(features);
        return UniformityOf(squared, pairs, features);
    }

    /// <summary>Mean ‖xᵢ − xⱼ‖² over same-label pairs i &lt; j; 0 without such a pair.</summary>
    internal static Tensor Alignment(Tensor features, Tensor labels)
    {
        var (squared, pairs) = PairwiseSquaredDistances(features);
        return AlignmentOf(squared, pairs, labels, features);
    }

    private static Tensor UniformityOf(Tensor squared, Tensor pairs, Tensor features) =>
        features.shape[0] < 2 ? Zero(features) : squared.index(pairs).mul(-UniformityTemperature).exp().mean().clamp_min(UniformityFloor).log();

    private static Tensor AlignmentOf(Tensor squared, Tensor pairs, Tensor labels, Tensor features)
    {
        var sameLabel = labels.unsqueeze(1).eq(labels.unsqueeze(0)).logical_and(pairs);
        return sameLabel.any().item<bool>() ? squared.index(sameLabel).mean() : Zero(features);
    }

    private static Tensor Zero(Tensor like) => zeros(Array.Empty<long>(), dtype: like.dtype, device: like.device);

    // ‖xᵢ − xⱼ‖² for every pair (from the difference, not the Gram matrix, so the gradient at equal features is finite),
    // and the mask of pairs i < j.
    private static (Tensor Squared, Tensor Pairs) PairwiseSquaredDistances(Tensor features)
    {
        long n = features.shape[0];
        var squared = (features.unsqueeze(1) - features.unsqueeze(0)).pow(2).sum(-1);
        var pairs = ones(n, n, dtype: ScalarType.Bool, device: features.device).triu(1);
        return (squared, pairs);
    }
}
