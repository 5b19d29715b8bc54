// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones;

/// <summary>The sizes of an encoder read from its configuration, without building it.</summary>
internal readonly record struct EncoderShape(int HiddenSize, int LayerCount, int MaxSequenceLength);
