// Licensed under the MIT license. See LICENSE in the repository root.

namespace Samples.Shared;

/// <summary>One input row: the path of a digit's PNG and its label ("0" … "9").</summary>
internal sealed class DigitImage
{
    public string ImagePath { get; set; } = string.Empty;

    public string Label { get; set; } = string.Empty;
}
