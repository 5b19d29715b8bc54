// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace NormTunedDetection;

/// <summary>A face as the detector scored it.</summary>
internal sealed class ScoredFace
{
    public string ImagePath { get; set; } = string.Empty;

    public bool IsFake { get; set; }

    public string Source { get; set; } = string.Empty;

    public float Score { get; set; }

    public float Probability { get; set; }

    public bool PredictedLabel { get; set; }

    /// <summary>What the detector's head read: the L2-normalised features.</summary>
    public float[] Features { get; set; } = Array.Empty<float>();

    /// <summary>The fold whose model scored the face; set by the sample, not a column.</summary>
    [NoColumn]
    public int Fold { get; set; }
}
