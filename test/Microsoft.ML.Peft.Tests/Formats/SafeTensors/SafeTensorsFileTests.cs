// Licensed under the MIT license. See LICENSE in the repository root.

using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Formats.SafeTensors;

public sealed class SafeTensorsFileTests : IDisposable
{
    private const string BertAdapter = "peft-adapters/bert-base-uncased-seqcls-lora";
    private static readonly Dictionary<string, string> s_ptMetadata = new() { ["format"] = "pt" };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-safetensors-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsFileTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SafeTensorsFile_WriteThenRead_RoundTripsEveryDTypeAndShape()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3) - 2.5f,
            ["f64"] = tensor(new[] { Math.PI }, ScalarType.Float64), // scalar-like [1]
            ["f16"] = tensor(new[] { 0.5f, -1.25f, 2048f, 65504f }).to(ScalarType.Float16),
            ["bf16"] = tensor(new[] { 1f, -2f, 0.5f, 3.0e38f }, new long[] { 2, 2 }).to(ScalarType.BFloat16),
            ["i64"] = tensor(new[] { long.MaxValue, -1L, 0L }),
            ["i32"] = tensor(new[] { int.MinValue, 7, -7, int.MaxValue }, new long[] { 2, 2 }),
            ["u8"] = tensor(new byte[] { 0, 1, 127, 128, 255 }),
            ["bool"] = tensor(new[] { true, false, true }),
            ["empty"] = zeros(0, 4),
        };
        string path = Path.Combine(_directory, "all.safetensors");

        SafeTensorsFile.Write(path, tensors, s_ptMetadata);
        var read = SafeTensorsFile.Read(path);

        Assert.Equal(tensors.Keys.Order(), read.Keys.Order());
        foreach (var (name, expected) in tensors)
        {
            var actual = read[name];
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(Same(expected, actual), $"values of '{name}' differ after the round trip");
        }
    }

    [Fact]
    public void SafeTensorsFile_Write_HeaderHasMetadataPaddingAndContiguousOffsets()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(_directory, "layout.safetensors");
        SafeTensorsFile.Write(
            path,
            new Dictionary<string, Tensor> { ["b"] = ones(3, 5), ["a"] = ones(7, dtype: ScalarType.Float16), ["c"] = zeros(0) },
            s_ptMetadata);

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        var entries = SafeTensorsFile.ReadHeader(path, out var metadata);

        Assert.Contains("\"__metadata__\":{\"format\":\"pt\"}", header, StringComparison.Ordinal);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(new[] { "a", "b", "c" }, entries.Select(e => e.Name));
        long expectedBegin = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin))
        {
            Assert.Equal(expectedBegin, entry.Begin);
            expectedBegin = entry.End;
        }

        Assert.Equal(7 * 2, entries.Single(e => e.Name == "a").End - entries.Single(e => e.Name == "a").Begin);
        Assert.Equal(15 * 4, entries.Single(e => e.Name == "b").End - entries.Single(e => e.Name == "b").Begin);
        Assert.Equal(bytes.Length - 8 - headerLength, expectedBegin);
    }

    [Fact]
    public void SafeTensorsFile_WriteWithoutMetadata_OmitsMetadataObject()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(_directory, "nometa.safetensors");
        SafeTensorsFile.Write(path, new Dictionary<string, Tensor> { ["w"] = ones(2) }, metadata: null);

        Assert.DoesNotContain("__metadata__", Encoding.UTF8.GetString(File.ReadAllBytes(path)), StringComparison.Ordinal);
        Assert.DoesNotContain(SafeTensorsFile.ReadHeader(path, out var metadata), e => e.Name == "__metadata__");
        Assert.Empty(metadata);
    }

    [Fact]
    public void SafeTensorsFile_WriteOverLargerFile_LeavesNoTrailingBytesOrTempFiles()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(_directory, "adapter_model.safetensors");
        File.WriteAllBytes(path, Enumerable.Repeat((byte)0xAB, 100_000).ToArray());

        SafeTensorsFile.Write(path, new Dictionary<string, Tensor> { ["w"] = ones(2, 3) }, s_ptMetadata);

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(8 + headerLength + (2 * 3 * 4), bytes.Length);
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
        Assert.True(Same(ones(2, 3), SafeTensorsFile.Read(path)["w"]));
    }

    [Fact]
    public void SafeTensorsFile_MissingFile_ThrowsFileNotFound()
    {
        string path = Path.Combine(_directory, "absent.safetensors");
        var ex = Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SafeTensorsFile_FileShorterThanLengthField_ThrowsInvalidData()
    {
        string path = Path.Combine(_directory, "short.safetensors");
        File.WriteAllBytes(path, new byte[] { 1, 2, 3, 4, 5 });
        AssertInvalid(path, "5 bytes");
    }

    [Fact]
    public void SafeTensorsFile_HeaderLongerThanFile_ThrowsInvalidData()
    {
        string path = WriteRaw("long-header.safetensors", "{}", Array.Empty<byte>(), declaredHeaderLength: 100);
        AssertInvalid(path, "100 bytes", "truncated");
    }

    [Fact]
    public void SafeTensorsFile_TruncatedData_ThrowsInvalidDataNamingTheTensor()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(_directory, "cut.safetensors");
        SafeTensorsFile.Write(path, new Dictionary<string, Tensor> { ["a"] = ones(4), ["z"] = ones(4) }, s_ptMetadata);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);

        AssertInvalid(path, "'z'", "truncated");
    }

    [Fact]
    public void SafeTensorsFile_CorruptJsonHeader_ThrowsInvalidData()
    {
        string path = WriteRaw("json.safetensors", "{\"w\": {\"dtype\": \"F32\", [", new byte[4]);
        AssertInvalid(path, "not valid JSON");
    }

    [Fact]
    public void SafeTensorsFile_UnknownDType_ThrowsInvalidDataNamingIt()
    {
        string path = WriteRaw("f8.safetensors", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
        AssertInvalid(path, "F8_E4M3", "'w'");
    }

    [Fact]
    public void SafeTensorsFile_OffsetsDisagreeWithShape_ThrowsInvalidData()
    {
        string path = WriteRaw("size.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]);
        AssertInvalid(path, "'w'", "needs 8 bytes");
    }

    [Fact]
    public void SafeTensorsFile_OverlappingTensors_ThrowsInvalidData()
    {
        string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        AssertInvalid(WriteRaw("overlap.safetensors", header, new byte[12]), "'b'", "overlaps");
    }

    [Fact]
    public void SafeTensorsFile_HoleBetweenTensors_ThrowsInvalidData()
    {
        string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        AssertInvalid(WriteRaw("hole.safetensors", header, new byte[12]), "'b'", "hole");
    }

    [Fact]
    public void SafeTensorsFile_BytesAfterLastTensor_ThrowsInvalidData()
    {
        string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        AssertInvalid(WriteRaw("tail.safetensors", header, new byte[8]), "cover 4 bytes", "holds 8");
    }

    [Fact]
    public void SafeTensorsFile_DuplicateKey_ThrowsInvalidData()
    {
        string header = "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        AssertInvalid(WriteRaw("dup.safetensors", header, new byte[2]), "'w'", "twice");
    }

    [Fact]
    public void SafeTensorsFile_NegativeShapeEntry_ThrowsInvalidData()
    {
        string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}";
        AssertInvalid(WriteRaw("negative.safetensors", header, new byte[4]), "'w'", "non-negative");
    }

    [Fact]
    public void SafeTensorsFile_HugeHeaderLength_IsRejectedWithoutAllocating()
    {
        string path = WriteRaw("huge.safetensors", "{}", new byte[16], declaredHeaderLength: 1UL << 40);

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path));
        stopwatch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains((1UL << 40).ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1_000_000, $"rejecting the header allocated {allocated} bytes");
        Assert.True(stopwatch.ElapsedMilliseconds < 2_000, $"rejecting the header took {stopwatch.ElapsedMilliseconds} ms");
    }

    [SharedFixtureFact(BertAdapter + "/adapter_model.safetensors")]
    public void SafeTensorsFile_ReadHeader_RealPeftAdapter_MatchesPeftLayout()
    {
        string path = SharedFixtures.Path("peft-adapters", "bert-base-uncased-seqcls-lora", "adapter_model.safetensors");

        var entries = SafeTensorsFile.ReadHeader(path, out var metadata);

        Assert.Equal(50, entries.Count);
        Assert.Equal("pt", metadata["format"]);
        var classifier = entries.Single(e => e.Name == "base_model.model.classifier.weight");
        Assert.Equal("F32", classifier.DType);
        Assert.Equal(new long[] { 2, 768 }, classifier.Shape);
        Assert.All(entries, e => Assert.StartsWith("base_model.model.", e.Name, StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Name.Contains(".default", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Name == "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight" && e.Shape.SequenceEqual(new long[] { 8, 768 }));
    }

    [SharedFixtureFact(BertAdapter + "/adapter_model.safetensors")]
    public void SafeTensorsFile_RealPeftAdapter_ReadsAndRewritesIdentically()
    {
        using var scope = NewDisposeScope();
        string path = SharedFixtures.Path("peft-adapters", "bert-base-uncased-seqcls-lora", "adapter_model.safetensors");
        string copy = Path.Combine(_directory, "rewritten.safetensors");

        var tensors = SafeTensorsFile.Read(path);
        SafeTensorsFile.Write(copy, tensors, s_ptMetadata);
        var reread = SafeTensorsFile.Read(copy);

        Assert.Equal(50, tensors.Count);
        Assert.Equal(new long[] { 2, 768 }, tensors["base_model.model.classifier.weight"].shape);
        Assert.Equal(tensors.Keys.Order(), reread.Keys.Order());
        Assert.All(tensors, p => Assert.True(Same(p.Value, reread[p.Key]), p.Key));
        Assert.Equal(new FileInfo(path).Length - HeaderLength(path), new FileInfo(copy).Length - HeaderLength(copy));
    }

    private static bool Same(Tensor expected, Tensor actual) =>
        expected.dtype == actual.dtype && expected.shape.SequenceEqual(actual.shape) && expected.eq(actual).all().item<bool>();

    private static long HeaderLength(string path) =>
        8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path).AsSpan(0, 8));

    private static void AssertInvalid(string path, params string[] fragments)
    {
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        }
    }

    private string WriteRaw(string fileName, string header, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        byte[] length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, declaredHeaderLength ?? (ulong)headerBytes.Length);
        string path = Path.Combine(_directory, fileName);
        File.WriteAllBytes(path, [.. length, .. headerBytes, .. data]);
        return path;
    }
}
