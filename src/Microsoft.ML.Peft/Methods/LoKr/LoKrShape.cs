// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.LoKr;

/// <summary>
/// The factor shapes of a LoKr adapter on a d_out×d_in weight: d_out = A·B and d_in = C·D, <c>w1</c> is A×C and
/// <c>w2</c> is B×D, each either a full matrix or the product of rank-r factors (PEFT's <c>use_w1</c>/<c>use_w2</c>).
/// </summary>
internal sealed record LoKrShape(int A, int B, int C, int D, int Rank, bool FullW1, bool FullW2)
{
    /// <summary>PEFT's rule: w1 is decomposed only with decompose_both and r &lt; max(A, C)/2; w2 whenever r &lt; max(B, D)/2.</summary>
    internal static LoKrShape For(int outFeatures, int inFeatures, int rank, bool decomposeBoth, int decomposeFactor)
    {
        var (c, d) = LoKrFactorization.Factorize(inFeatures, decomposeFactor);
        var (a, b) = LoKrFactorization.Factorize(outFeatures, decomposeFactor);
        bool fullW1 = !(decomposeBoth && rank < Math.Max(a, c) / 2.0);
        bool fullW2 = !(rank < Math.Max(b, d) / 2.0);
        return new LoKrShape(a, b, c, d, rank, fullW1, fullW2);
    }

    /// <summary>The number of trainable values: |w1| (or |w1_a| + |w1_b|) plus |w2| (or |w2_a| + |w2_b|).</summary>
    internal long ParameterCount =>
        (FullW1 ? (long)A * C : (long)Rank * (A + C)) + (FullW2 ? (long)B * D : (long)Rank * (B + D));
}
