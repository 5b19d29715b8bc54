// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// One example's output of a classifier's head: the raw logits and their softmax. Both are kept because a binary classifier
/// serves the margin logit(true) − logit(false) as its <c>Score</c>, which the probabilities lose once the softmax saturates.
/// </summary>
/// <param name="Logits">The head's outputs, one per class.</param>
/// <param name="Probabilities">The softmax of <paramref name="Logits"/>, computed on the device as for training.</param>
/// <param name="Features">What the head read, when the task was asked for it; otherwise null.</param>
internal sealed record ClassScores(float[] Logits, float[] Probabilities, float[]? Features = null)
{
    /// <summary>The most probable class (0-based; the first on ties).</summary>
    internal int Predicted
    {
        get
        {
            int best = 0;
            for (int i = 1; i < Probabilities.Length; i++)
            {
                if (Probabilities[i] > Probabilities[best])
                {
                    best = i;
                }
            }

            return best;
        }
    }

    /// <summary>Splits a batch's logits and probabilities (row-major, <paramref name="classCount"/> per row) into per-row scores.</summary>
    internal static ClassScores Row(float[] logits, float[] probabilities, int row, int classCount) =>
        new(logits.AsSpan(row * classCount, classCount).ToArray(), probabilities.AsSpan(row * classCount, classCount).ToArray());
}
