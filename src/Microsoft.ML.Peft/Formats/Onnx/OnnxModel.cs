// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Formats.Onnx;

/// <summary>The parts of an ONNX <c>ModelProto</c> this reader decodes: who produced it, and its main graph.</summary>
internal sealed record OnnxModel(long IrVersion, string ProducerName, string ProducerVersion, OnnxGraph Graph);
