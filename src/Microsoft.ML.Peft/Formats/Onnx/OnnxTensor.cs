// Licensed under the MIT license. See LICENSE in the repository root.

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Formats.Onnx;

/// <summary>
/// A tensor of an ONNX graph (an initializer or a <c>Constant</c> node's value): its name, shape, element type and
/// elements as little-endian bytes in row-major order.
/// </summary>
/// <remarks>
/// <see cref="Data"/> of a tensor stored as <c>raw_data</c> is a slice of the buffer the whole model was read into,
/// so holding any tensor of a model holds that buffer; convert what is needed with <see cref="ToTensor"/> and let the
/// model go.
/// </remarks>
internal sealed record OnnxTensor(string Name, long[] Dims, OnnxDataType DataType, ReadOnlyMemory<byte> Data)
{
    /// <summary>The number of elements the shape describes (1 for a scalar).</summary>
    internal long ElementCount => Dims.Aggregate(1L, (count, dim) => count * dim);

    /// <summary>The shape as it appears in messages: <c>[30522, 384]</c>.</summary>
    internal string ShapeText => $"[{string.Join(", ", Dims)}]";

    /// <summary>The bytes one element takes, or 0 for a type this reader does not decode.</summary>
    internal static int ElementSize(OnnxDataType type) => type switch
    {
        OnnxDataType.UInt8 or OnnxDataType.Int8 or OnnxDataType.Bool => 1,
        OnnxDataType.Int16 or OnnxDataType.Float16 or OnnxDataType.BFloat16 => 2,
        OnnxDataType.Float or OnnxDataType.Int32 => 4,
        OnnxDataType.Int64 or OnnxDataType.Double => 8,
        _ => 0,
    };

    /// <summary>A new CPU tensor (owned by the current dispose scope, if any) holding a copy of the elements.</summary>
    internal Tensor ToTensor()
    {
        var result = empty(Dims, ScalarTypeOf(DataType));
        if (Data.Length > 0)
        {
            // One copy, from the model's bytes straight into the tensor's storage; the host is little-endian (checked by the reader).
            Data.Span.CopyTo(result.bytes);
        }

        return result;
    }

    /// <summary>The elements as doubles, for reading small constants (shapes, scales, epsilons) of any numeric type.</summary>
    internal double[] ToDoubles()
    {
        var bytes = Data.Span;
        int size = ElementSize(DataType);
        var values = new double[size == 0 ? 0 : bytes.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            var element = bytes.Slice(i * size, size);
            values[i] = DataType switch
            {
                OnnxDataType.Float => BinaryPrimitives.ReadSingleLittleEndian(element),
                OnnxDataType.Double => BinaryPrimitives.ReadDoubleLittleEndian(element),
                OnnxDataType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(element),
                OnnxDataType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(element) << 16),
                OnnxDataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(element),
                OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(element),
                OnnxDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(element),
                OnnxDataType.Int8 => (sbyte)element[0],
                _ => element[0],
            };
        }

        return values;
    }

    /// <summary>The elements of a <see cref="OnnxDataType.Float"/> tensor, without copying.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds another type.</exception>
    internal ReadOnlySpan<float> AsSingles() => DataType == OnnxDataType.Float
        ? MemoryMarshal.Cast<byte, float>(Data.Span)
        : throw new InvalidOperationException($"ONNX tensor '{Name}' holds {DataType}, not Float.");

    private static ScalarType ScalarTypeOf(OnnxDataType type) => type switch
    {
        OnnxDataType.Float => ScalarType.Float32,
        OnnxDataType.Double => ScalarType.Float64,
        OnnxDataType.Float16 => ScalarType.Float16,
        OnnxDataType.BFloat16 => ScalarType.BFloat16,
        OnnxDataType.Int64 => ScalarType.Int64,
        OnnxDataType.Int32 => ScalarType.Int32,
        OnnxDataType.Int16 => ScalarType.Int16,
        OnnxDataType.Int8 => ScalarType.Int8,
        OnnxDataType.UInt8 => ScalarType.Byte,
        OnnxDataType.Bool => ScalarType.Bool,
        _ => throw new InvalidOperationException($"ONNX tensor type {type} has no torch equivalent."),
    };
}
