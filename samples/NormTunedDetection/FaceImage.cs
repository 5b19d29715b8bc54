// Licensed under the MIT license. See LICENSE in the repository root.

namespace NormTunedDetection;

/// <summary>One face: its file, whether it is generated, and which generator made it ("real" for a photograph).</summary>
internal sealed class FaceImage
{
    public string ImagePath { get; set; } = string.Empty;

    public bool IsFake { get; set; }

    public string Source { get; set; } = string.Empty;
}
