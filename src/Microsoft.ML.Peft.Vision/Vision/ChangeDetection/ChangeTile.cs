// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>The size of the image pairs a change detector was trained on, and scores: the dimensions of its output columns.</summary>
internal readonly record struct ChangeTile(int Height, int Width)
{
    internal int Pixels => Height * Width;

    /// <inheritdoc/>
    public override string ToString() => $"{Width} x {Height}";
}
