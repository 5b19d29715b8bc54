// Licensed under the MIT license. See LICENSE in the repository root.

namespace ChangeDetection;

/// <summary>One LEVIR-CD tile: the image paths, relative to the dataset folder, as LoadImages takes them.</summary>
public sealed class LevirPair
{
    public string Name { get; set; } = string.Empty;

    public string BeforePath { get; set; } = string.Empty;

    public string AfterPath { get; set; } = string.Empty;

    public string MaskPath { get; set; } = string.Empty;
}
