// Licensed under the MIT license. See LICENSE in the repository root.

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;

namespace Microsoft.ML.Peft.Formats.Onnx;

/// <summary>
/// Reads the initializers and the nodes of an ONNX model's main graph, the part needed to recover a network's weights
/// and to follow which operator uses which tensor.
/// </summary>
/// <remarks>
/// <para>
/// The protobuf wire format is decoded with Google.Protobuf's <see cref="CodedInputStream"/>, but the ONNX messages are
/// walked here by field number instead of through classes generated from onnx.proto. Microsoft.ML.OnnxRuntime runs
/// models but exposes only the names and types of initializers, never their values; ML.NET's own generated ONNX classes
/// are internal to Microsoft.ML.OnnxConverter; and a generated-classes package would be a further dependency to keep in
/// step, decoding all of onnx.proto to use twenty fields and copying every <c>raw_data</c> into its own buffer. Walking
/// the fields keeps the tensor bytes as slices of the one buffer the file was read into.
/// </para>
/// <para>
/// The field numbers, from onnx.proto (stable since IR version 3): <c>ModelProto</c> ir_version 1, producer_name 2,
/// producer_version 3, graph 7; <c>GraphProto</c> node 1, initializer 5; <c>NodeProto</c> input 1, output 2, name 3,
/// op_type 4, attribute 5, domain 7; <c>AttributeProto</c> name 1, f 2, i 3, s 4, t 5, floats 7, ints 8;
/// <c>TensorProto</c> dims 1, data_type 2, segment 3, float_data 4, int32_data 5, string_data 6, int64_data 7, name 8,
/// raw_data 9, double_data 10, external_data 13, data_location 14. Other fields are skipped, as protobuf requires of a
/// reader; sparse initializers (<c>GraphProto</c> 15) and graph-valued attributes are among them.
/// </para>
/// <para>
/// Tensors whose data lives in another file, is split into segments, or has a type without a torch equivalent are
/// refused, as is anything truncated or malformed: every problem is an <see cref="InvalidDataException"/> naming the
/// source and what is wrong. The elements are little-endian in the file and are handed on as they are, so the host
/// must be little-endian too.
/// </para>
/// </remarks>
internal static class OnnxModelReader
{
    private const int DataLocationExternal = 1;

    private static readonly OnnxDataType[] s_supportedTypes = Enum.GetValues<OnnxDataType>().Where(t => OnnxTensor.ElementSize(t) > 0).ToArray();

    /// <summary>Reads the ONNX model at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX model this reader supports; the message says why.</exception>
    internal static OnnxModel Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The ONNX model '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads an ONNX model from the current position of <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">The serialized <c>ModelProto</c>; read to its end, not closed.</param>
    /// <param name="sourceName">What the stream holds (a path, a resource name), used in error messages.</param>
    /// <exception cref="InvalidDataException">The bytes are not an ONNX model this reader supports; the message says why.</exception>
    /// <exception cref="PlatformNotSupportedException">The host is big-endian.</exception>
    internal static OnnxModel Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Reading ONNX tensors needs a little-endian host: the elements are kept in the file's byte order.");
        }

        byte[] buffer = ReadAll(stream, sourceName, out int length);
        try
        {
            return ReadModel(new ProtoFieldReader(buffer, 0, length, "ModelProto"));
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw Invalid(sourceName, $"the protobuf encoding is corrupt or truncated ({ex.Message.TrimEnd('.', ' ')})", ex);
        }
        catch (FormatException ex)
        {
            throw Invalid(sourceName, ex.Message, ex);
        }
    }

    private static byte[] ReadAll(Stream stream, string sourceName, out int length)
    {
        try
        {
            if (stream.CanSeek)
            {
                long remaining = stream.Length - stream.Position;
                if (remaining > Array.MaxLength)
                {
                    throw Invalid(sourceName, $"it holds {remaining} bytes, more than one protobuf message can (2 GB); models that large keep their weights in external data, which is not supported");
                }

                var buffer = new byte[remaining];
                stream.ReadExactly(buffer);
                length = buffer.Length;
                return buffer;
            }

            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            length = (int)copy.Length;
            return copy.GetBuffer();
        }
        catch (IOException ex)
        {
            // EndOfStreamException (the stream ended before its announced length) is an IOException too.
            throw Invalid(sourceName, $"it could not be read to its end ({ex.Message.TrimEnd('.', ' ')})", ex);
        }
    }

    private static OnnxModel ReadModel(ProtoFieldReader model)
    {
        long irVersion = 0;
        string producer = string.Empty;
        string producerVersion = string.Empty;
        bool hasGraph = false;
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>();
        while (model.Next())
        {
            switch (model.Field)
            {
                case 1:
                    irVersion = model.ReadInt64();
                    break;
                case 2:
                    producer = model.ReadString();
                    break;
                case 3:
                    producerVersion = model.ReadString();
                    break;
                case 7:
                    // A message field repeated on the wire merges, so a second graph adds to the first.
                    ReadGraph(model.ReadMessage("GraphProto"), nodes, initializers);
                    hasGraph = true;
                    break;
                default:
                    model.Skip();
                    break;
            }
        }

        if (!hasGraph)
        {
            throw new FormatException("it has no graph (ModelProto field 7): it is empty, truncated before the graph, or not an ONNX model");
        }

        var duplicate = initializers.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FormatException($"two initializers are named '{duplicate.Key}' (corrupt: ONNX requires distinct names)");
        }

        return new OnnxModel(irVersion, producer, producerVersion, new OnnxGraph(nodes, initializers));
    }

    private static void ReadGraph(ProtoFieldReader graph, List<OnnxNode> nodes, List<OnnxTensor> initializers)
    {
        while (graph.Next())
        {
            switch (graph.Field)
            {
                case 1:
                    nodes.Add(ReadNode(graph.ReadMessage("NodeProto")));
                    break;
                case 5:
                    initializers.Add(ReadTensor(graph.ReadMessage("TensorProto"), $"initializer #{initializers.Count}"));
                    break;
                default:
                    graph.Skip();
                    break;
            }
        }
    }

    private static OnnxNode ReadNode(ProtoFieldReader node)
    {
        string name = string.Empty;
        string opType = string.Empty;
        string domain = string.Empty;
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<OnnxAttribute>();
        while (node.Next())
        {
            switch (node.Field)
            {
                case 1:
                    inputs.Add(node.ReadString());
                    break;
                case 2:
                    outputs.Add(node.ReadString());
                    break;
                case 3:
                    name = node.ReadString();
                    break;
                case 4:
                    opType = node.ReadString();
                    break;
                case 5:
                    attributes.Add(ReadAttribute(node.ReadMessage("AttributeProto"), name));
                    break;
                case 7:
                    domain = node.ReadString();
                    break;
                default:
                    node.Skip();
                    break;
            }
        }

        if (opType.Length == 0)
        {
            throw new FormatException($"node '{name}' (outputs {string.Join(", ", outputs)}) has no op_type (corrupt)");
        }

        return new OnnxNode(name, opType, domain, inputs, outputs, attributes);
    }

    private static OnnxAttribute ReadAttribute(ProtoFieldReader attribute, string nodeName)
    {
        string name = string.Empty;
        float? single = null;
        long? integer = null;
        string? text = null;
        OnnxTensor? tensor = null;
        var floats = new List<float>();
        var ints = new List<long>();
        while (attribute.Next())
        {
            switch (attribute.Field)
            {
                case 1:
                    name = attribute.ReadString();
                    break;
                case 2:
                    single = attribute.ReadFloat();
                    break;
                case 3:
                    integer = attribute.ReadInt64();
                    break;
                case 4:
                    text = Encoding.UTF8.GetString(attribute.ReadBytes());
                    break;
                case 5:
                    tensor = ReadTensor(attribute.ReadMessage("TensorProto"), $"the tensor of attribute '{name}' of node '{nodeName}'");
                    break;
                case 7:
                    attribute.ReadRepeatedFloat(floats);
                    break;
                case 8:
                    attribute.ReadRepeatedInt64(ints);
                    break;
                default:
                    attribute.Skip();
                    break;
            }
        }

        return new OnnxAttribute(name, single, integer, text, tensor, floats, ints);
    }

    private static OnnxTensor ReadTensor(ProtoFieldReader tensor, string unnamed)
    {
        var dims = new List<long>();
        int dataType = 0;
        string name = string.Empty;
        ArraySegment<byte>? raw = null;
        List<float>? floats = null;
        List<int>? int32s = null;
        List<long>? int64s = null;
        List<double>? doubles = null;
        bool strings = false;
        bool segmented = false;
        bool external = false;
        string? location = null;
        while (tensor.Next())
        {
            switch (tensor.Field)
            {
                case 1:
                    tensor.ReadRepeatedInt64(dims);
                    break;
                case 2:
                    dataType = tensor.ReadInt32();
                    break;
                case 3:
                    segmented = true;
                    tensor.Skip();
                    break;
                case 4:
                    tensor.ReadRepeatedFloat(floats ??= new List<float>());
                    break;
                case 5:
                    tensor.ReadRepeatedInt32(int32s ??= new List<int>());
                    break;
                case 6:
                    strings = true;
                    tensor.Skip();
                    break;
                case 7:
                    tensor.ReadRepeatedInt64(int64s ??= new List<long>());
                    break;
                case 8:
                    name = tensor.ReadString();
                    break;
                case 9:
                    raw = tensor.ReadBytes();
                    break;
                case 10:
                    tensor.ReadRepeatedDouble(doubles ??= new List<double>());
                    break;
                case 13:
                    external = true;
                    location ??= ReadExternalLocation(tensor.ReadMessage("StringStringEntryProto"));
                    break;
                case 14:
                    external |= tensor.ReadInt32() == DataLocationExternal;
                    break;
                default:
                    tensor.Skip();
                    break;
            }
        }

        string label = name.Length > 0 ? $"tensor '{name}'" : unnamed;
        if (external)
        {
            throw new FormatException(
                $"{label} keeps its data in an external file{(location is null ? string.Empty : $" ('{location}')")}, which is not supported; " +
                "save the model with every tensor inside it (onnx.save_model(model, path, save_as_external_data=False))");
        }

        if (segmented)
        {
            throw new FormatException($"{label} is stored in segments, which is not supported");
        }

        var type = (OnnxDataType)dataType;
        int size = OnnxTensor.ElementSize(type);
        if (size == 0 || strings)
        {
            throw new FormatException(
                $"{label} has data type {TypeName(dataType)}, which is not supported (supported: {string.Join(", ", s_supportedTypes.Select(t => TypeName((int)t)))})");
        }

        long elements = 1;
        foreach (long dim in dims)
        {
            if (dim < 0)
            {
                throw new FormatException($"{label} has a negative dimension in its shape [{string.Join(", ", dims)}] (corrupt)");
            }

            elements = dim == 0 || elements == 0 ? 0 : (elements > long.MaxValue / dim ? long.MaxValue : elements * dim);
        }

        var data = Elements(label, type, size, raw, floats, int32s, int64s, doubles);
        if (data.Length / size != elements || data.Length % size != 0)
        {
            throw new FormatException(
                $"{label} of type {TypeName(dataType)} and shape [{string.Join(", ", dims)}] needs {elements} elements but holds {data.Length / (double)size} (truncated or corrupt)");
        }

        return new OnnxTensor(name, dims.ToArray(), type, data);
    }

    // The elements as little-endian bytes, from whichever one field holds them.
    private static ReadOnlyMemory<byte> Elements(
        string label, OnnxDataType type, int size, ArraySegment<byte>? raw, List<float>? floats, List<int>? int32s, List<long>? int64s, List<double>? doubles)
    {
        string[] present = new[] { raw is null ? null : "raw_data", floats is null ? null : "float_data", int32s is null ? null : "int32_data", int64s is null ? null : "int64_data", doubles is null ? null : "double_data" }
            .OfType<string>().ToArray();
        if (present.Length > 1)
        {
            throw new FormatException($"{label} holds its elements in both {present[0]} and {present[1]} (corrupt)");
        }

        if (raw is { } bytes)
        {
            return bytes;
        }

        string? field = present.SingleOrDefault();
        bool fits = field switch
        {
            null => true,
            "float_data" => type == OnnxDataType.Float,
            "int64_data" => type == OnnxDataType.Int64,
            "double_data" => type == OnnxDataType.Double,
            _ => type is not (OnnxDataType.Float or OnnxDataType.Int64 or OnnxDataType.Double),
        };
        if (!fits)
        {
            throw new FormatException($"{label} of type {TypeName((int)type)} holds its elements in {field}, which is for other types (corrupt)");
        }

        if (floats is not null)
        {
            return MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(floats)).ToArray();
        }

        if (int64s is not null)
        {
            return MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(int64s)).ToArray();
        }

        if (doubles is not null)
        {
            return MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(doubles)).ToArray();
        }

        return int32s is null ? ReadOnlyMemory<byte>.Empty : Narrow(int32s, size);
    }

    // int32_data carries 8- and 16-bit types (float16 as its bit pattern) one element per int32.
    private static byte[] Narrow(List<int> values, int size)
    {
        var bytes = new byte[values.Count * size];
        for (int i = 0; i < values.Count; i++)
        {
            switch (size)
            {
                case 1:
                    bytes[i] = (byte)values[i];
                    break;
                case 2:
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)values[i]);
                    break;
                default:
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
                    break;
            }
        }

        return bytes;
    }

    private static string? ReadExternalLocation(ProtoFieldReader entry)
    {
        string? key = null;
        string? value = null;
        while (entry.Next())
        {
            switch (entry.Field)
            {
                case 1:
                    key = entry.ReadString();
                    break;
                case 2:
                    value = entry.ReadString();
                    break;
                default:
                    entry.Skip();
                    break;
            }
        }

        return key == "location" ? value : null;
    }

    private static string TypeName(int dataType) =>
        Enum.IsDefined((OnnxDataType)dataType) ? ((OnnxDataType)dataType).ToString().ToUpperInvariant() : $"{dataType} (unknown)";

    private static InvalidDataException Invalid(string sourceName, string reason, Exception? inner = null) =>
        new($"'{sourceName}' could not be read as an ONNX model: {reason}.", inner);
}
