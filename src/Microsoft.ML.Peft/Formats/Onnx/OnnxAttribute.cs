// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Formats.Onnx;

/// <summary>
/// A node attribute (<c>AttributeProto</c>) with the value fields this reader decodes: one float, integer, string or
/// tensor, or lists of floats or integers. Graph-valued attributes (the bodies of <c>If</c>/<c>Loop</c>) are not read.
/// </summary>
internal sealed record OnnxAttribute(
    string Name,
    float? Float,
    long? Int,
    string? String,
    OnnxTensor? Tensor,
    IReadOnlyList<float> Floats,
    IReadOnlyList<long> Ints);
