// Licensed under the MIT license. See LICENSE in the repository root.

using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Formats.SafeTensors;

/// <summary>One tensor listed in a safetensors header.</summary>
internal sealed record SafeTensorEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw tensor bytes).
/// </summary>
/// <remarks>
/// Reading validates the whole header against the file before any tensor is allocated (sizes, offsets, dtypes,
/// no holes or overlaps), then hands the file to TorchSharp.PyBridge, which trusts the header and would otherwise
/// allocate whatever a corrupt header claims. Writing is done here because PyBridge writes no
/// <c>__metadata__</c> (PEFT writes <c>{"format":"pt"}</c>) and does not truncate an existing file.
/// </remarks>
internal static class SafeTensorsFile
{
    internal const string MetadataKey = "__metadata__";

    /// <summary>The safetensors reference implementation refuses headers above 100 MB.</summary>
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Reads every tensor of the file (on the CPU), after validating the header.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message says why.</exception>
    internal static Dictionary<string, Tensor> Read(string path)
    {
        _ = ReadHeader(path, out _);
        try
        {
            return TorchSharp.PyBridge.Safetensors.LoadStateDict(path);
        }
        // PyBridge reports malformed data with NotImplementedException; surface every failure as a format error.
        catch (Exception ex) when (ex is IOException or NotImplementedException or JsonException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' could not be read as safetensors: {ex.Message}", ex);
        }
    }

    /// <summary>Reads and validates the header; returns the entries in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header is malformed or does not fit the file.</exception>
    internal static IReadOnlyList<SafeTensorEntry> ReadHeader(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The safetensors file '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw Invalid(path, $"the file has {fileLength} bytes, fewer than the 8-byte header length (truncated or not safetensors)");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw Invalid(path, $"the header claims {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit (corrupt or not safetensors)");
        }

        if (8 + (long)headerLength > fileLength)
        {
            throw Invalid(path, $"the header claims {headerLength} bytes but the file holds only {fileLength - 8} after the length field (truncated)");
        }

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataLength = fileLength - 8 - (long)headerLength;
        return ParseHeader(path, headerBytes, dataLength, out metadata);
    }

    /// <summary>Writes tensors (moved to the CPU, made contiguous) with the given metadata, atomically.</summary>
    internal static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var ordered = tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var duplicate = ordered.GroupBy(p => p.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Tensor name '{duplicate.Key}' appears twice; safetensors names must be unique.", nameof(tensors));
        }

        using var scope = NewDisposeScope();
        var cpu = ordered.Select(p => (p.Key, Tensor: p.Value.detach().cpu().contiguous())).ToList();
        byte[] header = BuildHeader(cpu, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
            stream.Write(lengthBytes);
            stream.Write(header);
            foreach (var (_, tensor) in cpu)
            {
                tensor.WriteBytesToStream(stream);
            }
        });
    }

    private static byte[] BuildHeader(List<(string Key, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var (key, tensor) in tensors)
            {
                long length = tensor.NumberOfElements * tensor.ElementSize;
                writer.WriteStartObject(key);
                writer.WriteString("dtype", SafeTensorsDType.NameOf(tensor.dtype));
                writer.WriteStartArray("shape");
                foreach (long dim in tensor.shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += length;
            }

            writer.WriteEndObject();
        }

        // Pad with spaces to a multiple of 8 so the tensor data is aligned, as the reference writer does.
        int padding = (int)((8 - (buffer.Length % 8)) % 8);
        for (int i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static List<SafeTensorEntry> ParseHeader(string path, byte[] headerBytes, long dataLength, out IReadOnlyDictionary<string, string> metadata)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException ex)
        {
            throw Invalid(path, $"the header is not valid JSON ({ex.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "the header is not a JSON object");
            }

            var entries = new List<SafeTensorEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var meta = new Dictionary<string, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw Invalid(path, $"the header lists '{property.Name}' twice");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, meta);
                    continue;
                }

                entries.Add(ParseEntry(path, property.Name, property.Value, dataLength));
            }

            CheckCoverage(path, entries, dataLength);
            metadata = meta;
            return entries;
        }
    }

    private static void ReadMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, $"'{MetadataKey}' must be an object of strings");
        }

        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Invalid(path, $"'{MetadataKey}.{item.Name}' must be a string");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafeTensorEntry ParseEntry(string path, string name, JsonElement element, long dataLength)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !element.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, $"tensor '{name}' needs \"dtype\" (string), \"shape\" (array) and \"data_offsets\" (array)");
        }

        string dtype = dtypeElement.GetString()!;
        if (!SafeTensorsDType.TryGetSize(dtype, out int elementSize))
        {
            throw Invalid(path, $"tensor '{name}' has dtype '{dtype}', which is not supported (supported: {string.Join(", ", SafeTensorsDType.Names)})");
        }

        var shape = new long[shapeElement.GetArrayLength()];
        int index = 0;
        long elements = 1;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long value) || value < 0)
            {
                throw Invalid(path, $"tensor '{name}' has a shape entry that is not a non-negative integer: {dim.GetRawText()}");
            }

            shape[index++] = value;
            elements = value == 0 ? 0 : (elements > long.MaxValue / value ? -1 : elements * value);
            if (elements < 0)
            {
                throw Invalid(path, $"tensor '{name}' has a shape [{string.Join(", ", shape.Take(index))}] too large to address");
            }
        }

        if (offsetsElement.GetArrayLength() != 2
            || !offsetsElement[0].TryGetInt64(out long begin) || !offsetsElement[1].TryGetInt64(out long end)
            || begin < 0 || end < begin)
        {
            throw Invalid(path, $"tensor '{name}' has invalid data_offsets {offsetsElement.GetRawText()}; expected [begin, end] with 0 <= begin <= end");
        }

        if (end > dataLength)
        {
            throw Invalid(path, $"tensor '{name}' claims bytes {begin}..{end} but the file holds only {dataLength} data bytes (truncated)");
        }

        if (elements > long.MaxValue / elementSize || end - begin != elements * elementSize)
        {
            throw Invalid(path, $"tensor '{name}' of dtype {dtype} and shape [{string.Join(", ", shape)}] needs {(decimal)elements * elementSize} bytes but its data_offsets span {end - begin}");
        }

        return new SafeTensorEntry(name, dtype, shape, begin, end);
    }

    // The format requires the data section to be covered exactly: no holes, no overlaps, nothing after the last tensor.
    private static void CheckCoverage(string path, List<SafeTensorEntry> entries, long dataLength)
    {
        long expected = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin != expected)
            {
                string problem = entry.Begin < expected ? "overlaps the previous tensor" : "leaves a hole before it";
                throw Invalid(path, $"tensor '{entry.Name}' starts at byte {entry.Begin} and {problem} (expected {expected})");
            }

            expected = entry.End;
        }

        if (expected != dataLength)
        {
            throw Invalid(path, $"the tensors cover {expected} bytes but the data section holds {dataLength}");
        }
    }

    private static InvalidDataException Invalid(string path, string reason) =>
        new($"'{path}' is not a valid safetensors file: {reason}.");
}
