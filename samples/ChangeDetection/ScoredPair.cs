// Licensed under the MIT license. See LICENSE in the repository root.

namespace ChangeDetection;

/// <summary>A scored tile: its name and the predicted mask (256 × 256 Booleans, row-major).</summary>
public sealed class ScoredPair
{
    public string Name { get; set; } = string.Empty;

    public bool[] PredictedMask { get; set; } = Array.Empty<bool>();
}
