// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>One row's input to the change detector: the image before and the image after, of one size.</summary>
internal sealed record ImagePair(RgbImage Before, RgbImage After);
