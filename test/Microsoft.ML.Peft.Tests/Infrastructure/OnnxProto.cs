// Licensed under the MIT license. See LICENSE in the repository root.

using System.Runtime.InteropServices;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>Hand-made ONNX messages, with the field numbers of onnx.proto, for reader and importer tests.</summary>
internal static class OnnxProto
{
    internal const int Float = 1;
    internal const int Int64 = 7;

    /// <summary>A <c>ModelProto</c> whose last field is the graph, so that cutting it anywhere leaves it incomplete.</summary>
    internal static byte[] Model(IEnumerable<ProtoMessage> nodes, IEnumerable<ProtoMessage> initializers)
    {
        var graph = new ProtoMessage();
        foreach (var node in nodes)
        {
            graph.Message(1, node);
        }

        graph.String(2, "test-graph");
        foreach (var initializer in initializers)
        {
            graph.Message(5, initializer);
        }

        return new ProtoMessage().Varint(1, 7).String(2, "peft-tests").String(3, "1.0").Message(7, graph).ToArray();
    }

    /// <summary>A float tensor in <c>raw_data</c>, as exporters write weights.</summary>
    internal static ProtoMessage Tensor(string name, long[] dims, float[] data) =>
        new ProtoMessage().PackedVarints(1, dims).Varint(2, Float).String(8, name).Bytes(9, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    /// <summary>An int64 tensor in <c>raw_data</c>.</summary>
    internal static ProtoMessage Int64Tensor(string name, long[] dims, long[] data) =>
        new ProtoMessage().PackedVarints(1, dims).Varint(2, Int64).String(8, name).Bytes(9, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    internal static ProtoMessage Node(string opType, string[] inputs, string[] outputs, string name = "", params ProtoMessage[] attributes)
    {
        var node = new ProtoMessage();
        foreach (string input in inputs)
        {
            node.String(1, input);
        }

        foreach (string output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, name.Length > 0 ? name : $"{opType}_{outputs.FirstOrDefault()}").String(4, opType);
        foreach (var attribute in attributes)
        {
            node.Message(5, attribute);
        }

        return node;
    }

    // AttributeProto: name 1, f 2, i 3, s 4, t 5, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, TENSOR 4, INTS 7).
    internal static ProtoMessage IntAttribute(string name, long value) => new ProtoMessage().String(1, name).Varint(3, value).Varint(20, 2);

    internal static ProtoMessage FloatAttribute(string name, float value) => new ProtoMessage().String(1, name).Float(2, value).Varint(20, 1);

    internal static ProtoMessage StringAttribute(string name, string value) =>
        new ProtoMessage().String(1, name).Bytes(4, System.Text.Encoding.UTF8.GetBytes(value)).Varint(20, 3);

    internal static ProtoMessage IntsAttribute(string name, params long[] values) => new ProtoMessage().String(1, name).PackedVarints(8, values).Varint(20, 7);

    internal static ProtoMessage TensorAttribute(string name, ProtoMessage tensor) => new ProtoMessage().String(1, name).Message(5, tensor).Varint(20, 4);

    /// <summary>A <c>Constant</c> node whose <c>value</c> is <paramref name="tensor"/>.</summary>
    internal static ProtoMessage Constant(string output, ProtoMessage tensor) => Node("Constant", Array.Empty<string>(), new[] { output }, "", TensorAttribute("value", tensor));
}
