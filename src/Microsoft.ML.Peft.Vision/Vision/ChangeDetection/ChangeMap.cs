// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>One row's prediction: the change probability of every pixel and the predicted mask, row-major, of the pair's size.</summary>
internal sealed record ChangeMap(float[] Probabilities, bool[] Mask);
