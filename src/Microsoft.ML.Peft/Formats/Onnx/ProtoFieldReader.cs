// Licensed under the MIT license. See LICENSE in the repository root.

using Google.Protobuf;

namespace Microsoft.ML.Peft.Formats.Onnx;

/// <summary>
/// Walks the fields of one protobuf message held in a slice of a byte array. Google.Protobuf's
/// <see cref="CodedInputStream"/> decodes the tags, varints, fixed-width values and lengths; length-delimited fields
/// come back as slices of the same array, so a 90 MB <c>raw_data</c> is never copied while parsing.
/// </summary>
/// <remarks>
/// Every structural problem (a wire type that does not fit the field, a length past the end of the message) throws
/// <see cref="FormatException"/>; <see cref="CodedInputStream"/> itself throws <see cref="InvalidProtocolBufferException"/>.
/// The caller turns both into an error naming the file.
/// </remarks>
internal sealed class ProtoFieldReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private readonly string _message;
    private CodedInputStream _input;
    private uint _tag;

    /// <param name="buffer">The bytes holding the message.</param>
    /// <param name="offset">Where the message starts.</param>
    /// <param name="length">How many bytes it takes.</param>
    /// <param name="message">The message's name for errors, e.g. <c>GraphProto</c>.</param>
    internal ProtoFieldReader(byte[] buffer, int offset, int length, string message)
    {
        _buffer = buffer;
        _end = offset + length;
        _message = message;
        _input = new CodedInputStream(buffer, offset, length);
    }

    /// <summary>The number of the field <see cref="Next"/> moved to.</summary>
    internal int Field => WireFormat.GetTagFieldNumber(_tag);

    private WireFormat.WireType WireType => WireFormat.GetTagWireType(_tag);

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    internal bool Next()
    {
        _tag = _input.ReadTag();
        return _tag != 0;
    }

    /// <summary>Skips the current field, whatever its type.</summary>
    internal void Skip() => _input.SkipLastField();

    internal long ReadInt64()
    {
        Expect(WireFormat.WireType.Varint);
        return _input.ReadInt64();
    }

    internal int ReadInt32()
    {
        Expect(WireFormat.WireType.Varint);
        return _input.ReadInt32();
    }

    internal float ReadFloat()
    {
        Expect(WireFormat.WireType.Fixed32);
        return _input.ReadFloat();
    }

    internal string ReadString()
    {
        Expect(WireFormat.WireType.LengthDelimited);
        return _input.ReadString();
    }

    /// <summary>The bytes of a length-delimited field, as a slice of the buffer (no copy).</summary>
    internal ArraySegment<byte> ReadBytes()
    {
        Expect(WireFormat.WireType.LengthDelimited);
        int length = _input.ReadLength();
        long start = _input.Position;
        if (length < 0 || length > _end - start)
        {
            throw new FormatException($"{_message} field {Field} claims {length} bytes but only {_end - start} remain (truncated or corrupt)");
        }

        // CodedInputStream cannot skip raw bytes from outside, so the walk goes on with a new one after the field.
        int next = (int)start + length;
        _input = new CodedInputStream(_buffer, next, _end - next);
        return new ArraySegment<byte>(_buffer, (int)start, length);
    }

    /// <summary>A reader over the embedded message in the current field.</summary>
    internal ProtoFieldReader ReadMessage(string message)
    {
        var bytes = ReadBytes();
        return new ProtoFieldReader(_buffer, bytes.Offset, bytes.Count, message);
    }

    /// <summary>Adds the values of a repeated int64 field, packed (one length-delimited run) or not (one varint per field).</summary>
    internal void ReadRepeatedInt64(List<long> values)
    {
        if (WireType != WireFormat.WireType.LengthDelimited)
        {
            values.Add(ReadInt64());
            return;
        }

        var packed = Over(ReadBytes());
        while (!packed.IsAtEnd)
        {
            values.Add(packed.ReadInt64());
        }
    }

    /// <summary>Adds the values of a repeated int32 field, packed or not.</summary>
    internal void ReadRepeatedInt32(List<int> values)
    {
        if (WireType != WireFormat.WireType.LengthDelimited)
        {
            values.Add(ReadInt32());
            return;
        }

        var packed = Over(ReadBytes());
        while (!packed.IsAtEnd)
        {
            values.Add(packed.ReadInt32());
        }
    }

    /// <summary>Adds the values of a repeated float field, packed or not.</summary>
    internal void ReadRepeatedFloat(List<float> values)
    {
        if (WireType != WireFormat.WireType.LengthDelimited)
        {
            values.Add(ReadFloat());
            return;
        }

        var run = ReadBytes();
        values.EnsureCapacity(values.Count + (run.Count / sizeof(float)));
        var packed = Over(run);
        while (!packed.IsAtEnd)
        {
            values.Add(packed.ReadFloat());
        }
    }

    /// <summary>Adds the values of a repeated double field, packed or not.</summary>
    internal void ReadRepeatedDouble(List<double> values)
    {
        if (WireType != WireFormat.WireType.LengthDelimited)
        {
            Expect(WireFormat.WireType.Fixed64);
            values.Add(_input.ReadDouble());
            return;
        }

        var packed = Over(ReadBytes());
        while (!packed.IsAtEnd)
        {
            values.Add(packed.ReadDouble());
        }
    }

    private static CodedInputStream Over(ArraySegment<byte> run) => new(run.Array!, run.Offset, run.Count);

    private void Expect(WireFormat.WireType expected)
    {
        if (WireType != expected)
        {
            throw new FormatException($"{_message} field {Field} has wire type {WireType} where {expected} belongs (corrupt)");
        }
    }
}
