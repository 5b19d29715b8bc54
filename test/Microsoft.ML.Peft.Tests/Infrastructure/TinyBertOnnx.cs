// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Microsoft.ML.Peft.Backbones.Bert;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// Writes a BERT encoder's weights as the graph torch.onnx (opset 13, constant folding on) exports for Hugging Face's
/// <c>BertModel</c>: named embeddings, biases and LayerNorms; linear weights as anonymous transposed initializers feeding
/// <c>MatMul</c> then <c>Add(bias)</c>; decomposed LayerNorm; heads split by a <c>Reshape</c> to a <c>Concat</c> of
/// run-time and constant pieces; the pooler as a <c>Gemm</c>. Options switch parts to the variants the importer handles
/// (or must refuse).
/// </summary>
internal sealed class TinyBertOnnx
{
    private readonly BertConfig _config;
    private readonly IReadOnlyDictionary<string, Tensor> _state;
    private readonly Options _options;
    private readonly List<ProtoMessage> _nodes = new();
    private readonly List<ProtoMessage> _initializers = new();
    private int _next = 100;

    private TinyBertOnnx(BertConfig config, IReadOnlyDictionary<string, Tensor> state, Options options)
    {
        _config = config;
        _state = state;
        _options = options;
    }

    /// <summary>The ONNX bytes of an export of <paramref name="state"/> (Hugging Face keys) for <paramref name="config"/>.</summary>
    internal static byte[] Build(BertConfig config, IReadOnlyDictionary<string, Tensor> state, Options? options = null)
    {
        var builder = new TinyBertOnnx(config, state, options ?? new Options());
        builder.Encoder();
        return OnnxProto.Model(builder._nodes, builder._initializers);
    }

    private void Encoder()
    {
        _initializers.Add(OnnxProto.Int64Tensor("embeddings.position_ids", new long[] { 1, _config.MaxPositionEmbeddings }, Enumerable.Range(0, _config.MaxPositionEmbeddings).Select(i => (long)i).ToArray()));
        var mask = Op("Mul", Op("Sub", Const(1), Op("Cast", new[] { "attention_mask" }, OnnxProto.IntAttribute("to", 1))), Const(-10000));
        var words = Op("Gather", Init("embeddings.word_embeddings.weight"), "input_ids");
        var types = Op("Gather", Init("embeddings.token_type_embeddings.weight"), "token_type_ids");
        var positions = Op("Gather", Init("embeddings.position_embeddings.weight"), Op("Slice", "embeddings.position_ids", Shape(0, 1)));
        var hidden = LayerNorm("embeddings.LayerNorm", Op("Add", Op("Add", words, types), positions));
        for (int i = 0; i < _config.NumHiddenLayers; i++)
        {
            hidden = Layer($"encoder.layer.{i}.", hidden, mask);
        }

        if (_options.Pooler)
        {
            var first = Op("Gather", new[] { hidden, Shape(0) }, OnnxProto.IntAttribute("axis", 1));
            var pooled = Op("Gemm", new[] { first, Init("pooler.dense.weight"), Init("pooler.dense.bias") }, OnnxProto.IntAttribute("transB", 1));
            Op("Tanh", pooled);
        }
    }

    private string Layer(string prefix, string hidden, string mask)
    {
        int headSize = _config.HiddenSize / _config.NumAttentionHeads;
        var query = SplitHeads(Linear(prefix + "attention.self.query", hidden));
        var key = SplitHeads(Linear(prefix + "attention.self.key", hidden));
        var value = SplitHeads(Linear(prefix + "attention.self.value", hidden));
        var scores = Op("MatMul", query, Op("Transpose", new[] { key }, OnnxProto.IntsAttribute("perm", 0, 1, 3, 2)));
        if (_options.ScaledScores)
        {
            scores = Op("Div", scores, Const(MathF.Sqrt(headSize)));
        }

        var probabilities = Op("Softmax", new[] { Op("Add", scores, mask) }, OnnxProto.IntAttribute("axis", -1));
        var context = Op("Transpose", new[] { Op("MatMul", probabilities, value) }, OnnxProto.IntsAttribute("perm", 0, 2, 1, 3));
        var merged = Op("Reshape", context, Shape(0, 0, _config.HiddenSize));
        var attended = LayerNorm(prefix + "attention.output.LayerNorm", Op("Add", Linear(prefix + "attention.output.dense", merged), hidden));
        var inner = Activation(Linear(prefix + "intermediate.dense", attended));
        return LayerNorm(prefix + "output.LayerNorm", Op("Add", Linear(prefix + "output.dense", inner), attended));
    }

    private string Linear(string module, string input)
    {
        string weight;
        if (_options.FoldTransposes)
        {
            weight = "onnx::MatMul_" + _next++.ToString(CultureInfo.InvariantCulture);
            Init(module + ".weight", weight, _state[module + ".weight"].t().contiguous());
        }
        else
        {
            weight = Op("Transpose", new[] { Init(module + ".weight") }, OnnxProto.IntsAttribute("perm", 1, 0));
        }

        return Op("Add", Init(module + ".bias"), Op("MatMul", input, weight));
    }

    private string LayerNorm(string module, string input)
    {
        var mean = Op("ReduceMean", new[] { input }, OnnxProto.IntsAttribute("axes", -1));
        var centered = Op("Sub", input, mean);
        var variance = Op("ReduceMean", new[] { Op("Pow", centered, Const(2)) }, OnnxProto.IntsAttribute("axes", -1));
        var normalized = Op("Div", centered, Op("Sqrt", Op("Add", variance, Const(_options.LayerNormEps))));
        return Op("Add", Op("Mul", normalized, Init(module + ".weight")), Init(module + ".bias"));
    }

    // (batch, time, hidden) to (batch, heads, time, head size), with batch and time read from the input at run time.
    private string SplitHeads(string input)
    {
        string Dim(int axis) => Op("Unsqueeze", Op("Gather", new[] { Op("Shape", input), Shape(axis) }, OnnxProto.IntAttribute("axis", 0)), Shape(0));
        int headSize = _config.HiddenSize / _config.NumAttentionHeads;
        var pieces = _options.HeadsInReshape
            ? new[] { Dim(0), Dim(1), Shape(_config.NumAttentionHeads), Shape(headSize) }
            : new[] { Dim(0), Dim(1), Shape(-1), Dim(2) };
        var reshaped = Op("Reshape", input, Op("Concat", pieces, OnnxProto.IntAttribute("axis", 0)));
        return Op("Transpose", new[] { reshaped }, OnnxProto.IntsAttribute("perm", 0, 2, 1, 3));
    }

    private string Activation(string x) => _options.Activation switch
    {
        "gelu" => Op("Mul", Op("Mul", x, Op("Add", Op("Erf", Op("Div", x, Const(1.4142135f))), Const(1))), Const(0.5f)),
        "gelu_new" => Op("Mul", Op("Mul", x, Op("Add", Op("Tanh", Op("Mul", Op("Add", x, Op("Mul", Op("Pow", x, Const(3)), Const(0.044715f))), Const(0.7978846f))), Const(1))), Const(0.5f)),
        "relu" => Op("Relu", x),
        "quick_gelu" => Op("Mul", x, Op("Sigmoid", Op("Mul", x, Const(1.702f)))),
        _ => throw new ArgumentException($"No graph for activation '{_options.Activation}'."),
    };

    private string Op(string opType, params string[] inputs) => Op(opType, inputs, Array.Empty<ProtoMessage>());

    private string Op(string opType, string[] inputs, params ProtoMessage[] attributes)
    {
        string output = _next++.ToString(CultureInfo.InvariantCulture);
        _nodes.Add(OnnxProto.Node(opType, inputs, new[] { output }, $"{opType}_{_nodes.Count}", attributes));
        return output;
    }

    // A float scalar as a Constant node, as torch.onnx writes literals.
    private string Const(float value)
    {
        string output = _next++.ToString(CultureInfo.InvariantCulture);
        _nodes.Add(OnnxProto.Constant(output, OnnxProto.Tensor(string.Empty, Array.Empty<long>(), new[] { value })));
        return output;
    }

    // An int64 vector as an anonymous initializer, as constant folding leaves shape pieces.
    private string Shape(params long[] values)
    {
        string name = _next++.ToString(CultureInfo.InvariantCulture);
        _initializers.Add(OnnxProto.Int64Tensor(name, new long[] { values.Length }, values));
        return name;
    }

    private string Init(string key) => Init(key, key, _state[key]);

    private string Init(string key, string name, Tensor value)
    {
        if (key != _options.Omit)
        {
            var data = value.contiguous().data<float>().ToArray();
            _initializers.Add(OnnxProto.Tensor(name, value.shape, data));
        }

        return name;
    }

    /// <summary>Which variant of the export to write.</summary>
    internal sealed record Options
    {
        /// <summary>Whether the pooler (Gemm, Tanh) is part of the graph.</summary>
        public bool Pooler { get; init; } = true;

        /// <summary>gelu (Erf), gelu_new (Tanh), relu, or quick_gelu (Sigmoid, which the importer refuses).</summary>
        public string Activation { get; init; } = "gelu";

        /// <summary>Whether the heads Reshape has constant heads and head size (otherwise both come from the input's shape).</summary>
        public bool HeadsInReshape { get; init; } = true;

        /// <summary>Whether the attention scores are divided by a constant sqrt(head size).</summary>
        public bool ScaledScores { get; init; } = true;

        /// <summary>True: anonymous [in, out] weights (constant folding); false: named [out, in] weights behind a Transpose.</summary>
        public bool FoldTransposes { get; init; } = true;

        /// <summary>A Hugging Face key whose initializer is left out.</summary>
        public string? Omit { get; init; }

        public float LayerNormEps { get; init; } = 1e-12f;
    }
}
