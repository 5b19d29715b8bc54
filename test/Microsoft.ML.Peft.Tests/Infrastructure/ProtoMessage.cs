// Licensed under the MIT license. See LICENSE in the repository root.

using Google.Protobuf;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>Writes one protobuf message field by field with Google.Protobuf's <see cref="CodedOutputStream"/>, for hand-made test files.</summary>
internal sealed class ProtoMessage
{
    private readonly MemoryStream _buffer = new();

    internal ProtoMessage Varint(int field, long value) => Write(output =>
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    });

    internal ProtoMessage Float(int field, float value) => Write(output =>
    {
        output.WriteTag(field, WireFormat.WireType.Fixed32);
        output.WriteFloat(value);
    });

    internal ProtoMessage String(int field, string value) => Write(output =>
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    });

    internal ProtoMessage Bytes(int field, byte[] value) => Write(output =>
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
    });

    internal ProtoMessage Message(int field, ProtoMessage message) => Bytes(field, message.ToArray());

    /// <summary>A repeated varint field in packed form (one length-delimited run).</summary>
    internal ProtoMessage PackedVarints(int field, IEnumerable<long> values) => Bytes(field, Encode(output =>
    {
        foreach (long value in values)
        {
            output.WriteInt64(value);
        }
    }));

    /// <summary>A repeated float field in packed form.</summary>
    internal ProtoMessage PackedFloats(int field, IEnumerable<float> values) => Bytes(field, Encode(output =>
    {
        foreach (float value in values)
        {
            output.WriteFloat(value);
        }
    }));

    /// <summary>A repeated double field in packed form.</summary>
    internal ProtoMessage PackedDoubles(int field, IEnumerable<double> values) => Bytes(field, Encode(output =>
    {
        foreach (double value in values)
        {
            output.WriteDouble(value);
        }
    }));

    internal byte[] ToArray() => _buffer.ToArray();

    private ProtoMessage Write(Action<CodedOutputStream> write)
    {
        using (var output = new CodedOutputStream(_buffer, leaveOpen: true))
        {
            write(output);
        }

        return this;
    }

    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
        }

        return buffer.ToArray();
    }
}
