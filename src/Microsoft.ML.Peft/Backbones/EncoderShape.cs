// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// The sizes of a backbone read from its configuration, without building it: the hidden width, the number of layers and the
/// longest input sequence (tokens for a text encoder; patches plus the class token for a vision transformer).
/// </summary>
internal readonly record struct EncoderShape(int HiddenSize, int LayerCount, int MaxSequenceLength);
