// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.Peft.Formats.Onnx;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Formats.Onnx;

/// <summary>The ONNX reader: the graph of a real torch.onnx export, every tensor encoding, and refusal of what it cannot read.</summary>
public sealed class OnnxModelReaderTests
{
    private const string Source = "test.onnx";
    private readonly ITestOutputHelper _output;

    public OnnxModelReaderTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Read_MiniLmResource_GivesInitializersAndNodesOfTheTorchExport()
    {
        using var stream = MiniLmOnnx.OpenModel();
        var watch = Stopwatch.StartNew();
        var model = OnnxModelReader.Read(stream, MiniLmOnnx.ModelResource);
        _output.WriteLine($"read {stream.Length} bytes in {watch.ElapsedMilliseconds} ms");

        Assert.Equal("pytorch", model.ProducerName);
        Assert.True(model.Graph.TryGetInitializer("embeddings.word_embeddings.weight", out var words));
        Assert.Equal(new long[] { 30522, 384 }, words.Dims);
        Assert.Equal(OnnxDataType.Float, words.DataType);
        Assert.Equal(30522 * 384, words.AsSingles().Length);
        Assert.True(model.Graph.TryGetInitializer("embeddings.position_ids", out var positions));
        Assert.Equal(Enumerable.Range(0, 512).Select(i => (double)i), positions.ToDoubles());

        // Linear weights are anonymous [in, out] initializers feeding a MatMul; the pooler's Gemm keeps its name.
        var query = model.Graph.Consumers("encoder.layer.0.attention.self.query.bias").Single();
        var matMul = model.Graph.Producer(query.Inputs.Single(i => i != "encoder.layer.0.attention.self.query.bias"))!;
        Assert.Equal("MatMul", matMul.OpType);
        Assert.True(model.Graph.TryGetInitializer(matMul.Inputs[1], out var queryWeight));
        Assert.Equal(new long[] { 384, 384 }, queryWeight.Dims);
        Assert.Equal("Gemm", model.Graph.Consumers("pooler.dense.weight").Single().OpType);

        Assert.Equal(6, model.Graph.Nodes.Count(n => n.OpType == "Erf"));
        var constant = model.Graph.Nodes.First(n => n.OpType == "Constant");
        Assert.NotNull(constant.Attribute("value")!.Tensor);
        Assert.True(model.Graph.TryGetConstant(constant.Outputs[0], out _));
    }

    [Fact]
    public void Read_EveryElementEncoding_DecodesTheSameValues()
    {
        var halves = new[] { (Half)1.5, (Half)(-2), (Half)0.25 };
        var bytes = OnnxProto.Model(Array.Empty<ProtoMessage>(), new[]
        {
            OnnxProto.Tensor("raw", new long[] { 2, 2 }, new[] { 1f, 2f, 3f, 4f }),
            new ProtoMessage().PackedVarints(1, new long[] { 3 }).Varint(2, 1).String(8, "packed_floats").PackedFloats(4, new[] { 0.5f, -1f, 8f }),
            new ProtoMessage().Varint(1, 2).Varint(1, 1).Varint(2, 1).String(8, "unpacked").Float(4, 7f).Float(4, -7f),
            new ProtoMessage().Varint(1, 2).Varint(2, 7).String(8, "int64s").PackedVarints(7, new long[] { -3, 1L << 40 }),
            new ProtoMessage().Varint(2, 7).String(8, "scalar").Varint(7, 42),
            new ProtoMessage().Varint(1, 3).Varint(2, 10).String(8, "half_bits").PackedVarints(5, halves.Select(h => (long)BitConverter.HalfToUInt16Bits(h))),
            new ProtoMessage().Varint(1, 3).Varint(2, 10).String(8, "half_raw").Bytes(9, MemoryMarshal.AsBytes(halves.AsSpan()).ToArray()),
            new ProtoMessage().Varint(1, 2).Varint(2, 11).String(8, "doubles").PackedDoubles(10, new[] { 0.125, 1e300 }),
            new ProtoMessage().Varint(1, 0).Varint(2, 1).String(8, "empty"),
        });

        var graph = OnnxModelReader.Read(new MemoryStream(bytes), Source).Graph;

        Assert.Equal(new double[] { 1, 2, 3, 4 }, Get(graph, "raw").ToDoubles());
        Assert.Equal(new long[] { 2, 2 }, Get(graph, "raw").Dims);
        Assert.Equal(new double[] { 0.5, -1, 8 }, Get(graph, "packed_floats").ToDoubles());
        Assert.Equal(new long[] { 2, 1 }, Get(graph, "unpacked").Dims);
        Assert.Equal(new double[] { 7, -7 }, Get(graph, "unpacked").ToDoubles());
        Assert.Equal(new double[] { -3, 1L << 40 }, Get(graph, "int64s").ToDoubles());
        Assert.Empty(Get(graph, "scalar").Dims);
        Assert.Equal(new double[] { 42 }, Get(graph, "scalar").ToDoubles());
        Assert.Equal(new double[] { 1.5, -2, 0.25 }, Get(graph, "half_bits").ToDoubles());
        Assert.Equal(new double[] { 0.125, 1e300 }, Get(graph, "doubles").ToDoubles());
        Assert.Equal(0, Get(graph, "empty").ElementCount);

        using var scope = NewDisposeScope();
        var half = Get(graph, "half_raw").ToTensor();
        Assert.Equal(ScalarType.Float16, half.dtype);
        Assert.Equal(new[] { 1.5f, -2f, 0.25f }, half.to(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(new long[] { -3, 1L << 40 }, Get(graph, "int64s").ToTensor().data<long>().ToArray());
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, Get(graph, "raw").ToTensor().data<float>().ToArray());
    }

    [Fact]
    public void Read_NodesAndAttributes_AreDecoded()
    {
        var bytes = OnnxProto.Model(
            new[]
            {
                OnnxProto.Constant("c", OnnxProto.Tensor(string.Empty, Array.Empty<long>(), new[] { 2.5f })),
                OnnxProto.Node("Identity", new[] { "c" }, new[] { "d" }),
                OnnxProto.Node(
                    "Custom",
                    new[] { "x", string.Empty, "d" },
                    new[] { "y", "z" },
                    "custom_node",
                    OnnxProto.IntAttribute("axis", -1),
                    OnnxProto.FloatAttribute("alpha", 0.5f),
                    OnnxProto.StringAttribute("mode", "tanh"),
                    OnnxProto.IntsAttribute("perm", 0, 2, 1, 3)).String(7, "com.example"),
            },
            Array.Empty<ProtoMessage>());

        var graph = OnnxModelReader.Read(new MemoryStream(bytes), Source).Graph;

        var node = graph.Nodes[2];
        Assert.Equal("Custom", node.OpType);
        Assert.Equal("com.example", node.Domain);
        Assert.False(node.IsStandard);
        Assert.Equal(new[] { "x", string.Empty, "d" }, node.Inputs);
        Assert.Equal(new[] { "y", "z" }, node.Outputs);
        Assert.Equal(-1, node.Attribute("axis")!.Int);
        Assert.Equal(0.5f, node.Attribute("alpha")!.Float);
        Assert.Equal("tanh", node.Attribute("mode")!.String);
        Assert.Equal(new long[] { 0, 2, 1, 3 }, node.Attribute("perm")!.Ints);
        Assert.Same(node, graph.Producer("z"));
        Assert.Same(node, graph.Consumers("d").Single());
        Assert.True(graph.TryGetConstant("d", out var constant), "a Constant seen through an Identity");
        Assert.Equal(new double[] { 2.5 }, constant.ToDoubles());
        Assert.False(graph.TryGetConstant("x", out _));
    }

    [Fact]
    public void Read_NonSeekableStream_ReadsTheSameModel()
    {
        var bytes = OnnxProto.Model(Array.Empty<ProtoMessage>(), new[] { OnnxProto.Tensor("w", new long[] { 3 }, new[] { 1f, 2f, 3f }) });

        var graph = OnnxModelReader.Read(new NonSeekableStream(new MemoryStream(bytes)), Source).Graph;

        Assert.Equal(new double[] { 1, 2, 3 }, Get(graph, "w").ToDoubles());
    }

    [Fact]
    public void Read_CutAtEveryByte_ThrowsInvalidDataNamingTheSource()
    {
        var bytes = OnnxProto.Model(
            new[] { OnnxProto.Node("Add", new[] { "a", "w" }, new[] { "b" }, "add", OnnxProto.IntAttribute("axis", 1)) },
            new[] { OnnxProto.Tensor("w", new long[] { 4 }, new[] { 1f, 2f, 3f, 4f }) });
        Assert.NotNull(OnnxModelReader.Read(new MemoryStream(bytes), Source));

        for (int length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Read(new MemoryStream(bytes, 0, length), Source));
            Assert.Contains($"'{Source}'", error.Message);
        }
    }

    [Fact]
    public void Read_TruncatedMiniLm_SaysItIsTruncated()
    {
        using var stream = MiniLmOnnx.OpenModel();
        var half = new byte[stream.Length / 2];
        stream.ReadExactly(half);

        var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Read(new MemoryStream(half), "model.onnx"));

        Assert.Contains("'model.onnx'", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 17)]
    [InlineData(3, 1000)]
    [InlineData(4, 100_000)]
    [InlineData(5, 1_000_000)]
    public void Read_RandomBytes_ThrowsInvalidData(int seed, int length)
    {
        var random = new Random(seed);
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Read(new MemoryStream(bytes), Source));
            if (attempt == 0)
            {
                _output.WriteLine(error.Message);
            }
        }
    }

    [Fact]
    public void Read_ExternalData_IsRefusedNamingTheTensorAndFile()
    {
        var external = new ProtoMessage().PackedVarints(1, new long[] { 4 }).Varint(2, 1).String(8, "big.weight")
            .Message(13, new ProtoMessage().String(1, "location").String(2, "weights.bin"))
            .Varint(14, 1);

        var error = Assert.Throws<InvalidDataException>(() => Read(external));

        Assert.Contains("'big.weight'", error.Message);
        Assert.Contains("'weights.bin'", error.Message);
        Assert.Contains("external", error.Message);
    }

    [Theory]
    [InlineData(8, "STRING")]
    [InlineData(4, "UINT16")]
    [InlineData(0, "UNDEFINED")]
    [InlineData(99, "99 (unknown)")]
    public void Read_UnsupportedDataType_IsRefusedNamingIt(int dataType, string name)
    {
        var tensor = new ProtoMessage().PackedVarints(1, new long[] { 1 }).Varint(2, dataType).String(8, "odd").Bytes(9, new byte[] { 0, 0 });

        var error = Assert.Throws<InvalidDataException>(() => Read(tensor));

        Assert.Contains("'odd'", error.Message);
        Assert.Contains($"data type {name}", error.Message);
    }

    [Fact]
    public void Read_RawDataOfWrongLength_NamesTensorAndCounts()
    {
        var tensor = new ProtoMessage().PackedVarints(1, new long[] { 2, 3 }).Varint(2, 1).String(8, "short").Bytes(9, new byte[20]);

        var error = Assert.Throws<InvalidDataException>(() => Read(tensor));

        Assert.Contains("'short'", error.Message);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("needs 6 elements but holds 5", error.Message);
    }

    [Fact]
    public void Read_DataInTwoFields_IsCorrupt()
    {
        var tensor = OnnxProto.Tensor("twice", new long[] { 1 }, new[] { 1f }).PackedFloats(4, new[] { 1f });

        Assert.Contains("both raw_data and float_data", Assert.Throws<InvalidDataException>(() => Read(tensor)).Message);
    }

    [Fact]
    public void Read_DuplicateInitializerNames_IsCorrupt()
    {
        var bytes = OnnxProto.Model(Array.Empty<ProtoMessage>(), new[] { OnnxProto.Tensor("w", new long[] { 1 }, new[] { 1f }), OnnxProto.Tensor("w", new long[] { 1 }, new[] { 2f }) });

        Assert.Contains("'w'", Assert.Throws<InvalidDataException>(() => OnnxModelReader.Read(new MemoryStream(bytes), Source)).Message);
    }

    [Fact]
    public void Read_FieldWithTheWrongWireType_IsCorrupt()
    {
        var bytes = new ProtoMessage().Varint(1, 7).Varint(7, 3).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Read(new MemoryStream(bytes), Source));

        Assert.Contains("ModelProto field 7 has wire type Varint", error.Message);
    }

    [Fact]
    public void Read_NoGraph_SaysSo()
    {
        var bytes = new ProtoMessage().Varint(1, 7).String(2, "pytorch").ToArray();

        Assert.Contains("no graph", Assert.Throws<InvalidDataException>(() => OnnxModelReader.Read(new MemoryStream(bytes), Source)).Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), "peft-missing-" + Guid.NewGuid().ToString("N") + ".onnx");

        Assert.Throws<FileNotFoundException>(() => OnnxModelReader.Read(path));
    }

    private static OnnxTensor Get(OnnxGraph graph, string name) =>
        graph.TryGetInitializer(name, out var tensor) ? tensor : throw new InvalidOperationException($"no initializer '{name}'");

    private static OnnxModel Read(ProtoMessage initializer) =>
        OnnxModelReader.Read(new MemoryStream(OnnxProto.Model(Array.Empty<ProtoMessage>(), new[] { initializer })), Source);
}
