// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.Peft.Formats.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>
/// Recovers a Hugging Face <c>BertModel</c>'s configuration and weights from its ONNX export (torch.onnx, as shipped for
/// example by sentence-transformers models), so the encoder can be built as a <see cref="BertModel"/> and fine-tuned.
/// </summary>
/// <remarks>
/// <para>
/// torch.onnx keeps the Hugging Face names of embeddings, LayerNorm parameters and biases, but every linear layer's weight
/// becomes an anonymous initializer (<c>onnx::MatMul_931</c>, or just <c>931</c>) holding the weight transposed, [in, out],
/// because the export folds <c>x @ W.T</c> into <c>MatMul(x, W.T)</c>. Each weight is therefore found by following the
/// graph from its named bias: the <c>Add</c> taking <c>&lt;module&gt;.bias</c> adds it to a <c>MatMul</c> whose second
/// input is the weight. A <c>Gemm</c> taking the bias (the pooler's, when the input is 2-D) names the weight directly and
/// says by <c>transB</c> whether it is stored transposed; a <c>Transpose</c> between a constant and the <c>MatMul</c>
/// (an export without constant folding) is looked through.
/// </para>
/// <para>
/// The configuration comes from shapes (vocabulary, hidden size, layers, intermediate size, positions, token types) and
/// from the graph: the number of heads from the <c>Reshape</c> to [batch, time, heads, head size] (or, failing that, from
/// the scores' division by sqrt(head size)), the activation from the operators between the intermediate dense and the
/// output dense (<c>Erf</c>: gelu; <c>Tanh</c>: gelu_new; <c>Relu</c>: relu), and the LayerNorm epsilon from the
/// embeddings' LayerNorm. Graphs rewritten by onnxruntime's transformer optimiser (fused <c>Attention</c>,
/// <c>SkipLayerNormalization</c>, ... in the <c>com.microsoft</c> domain) pack or rename their weights and are refused.
/// </para>
/// </remarks>
internal sealed class BertOnnxImporter
{
    private const double HuggingFaceLayerNormEps = 1e-12;
    private const double OnnxLayerNormalizationDefaultEps = 1e-5;
    private const double HuggingFaceDropout = 0.1;
    private const int HuggingFacePadTokenId = 0;

    private static readonly Regex s_layerName = new(@"^encoder\.layer\.(\d+)\.", RegexOptions.CultureInvariant);

    private readonly OnnxGraph _graph;
    private readonly string _source;

    // The value each linear layer outputs (the bias Add's or the Gemm's), for walking to the activation after it.
    private readonly Dictionary<string, string> _linearOutputs = new(StringComparer.Ordinal);

    private BertOnnxImporter(OnnxGraph graph, string source)
    {
        _graph = graph;
        _source = source;
    }

    /// <summary>Reads a BERT ONNX export from <paramref name="onnx"/> and recovers its configuration and weights.</summary>
    /// <param name="onnx">The serialized ONNX model; read to its end, not closed.</param>
    /// <param name="sourceName">What the stream holds (a path, a resource name), used in error messages.</param>
    /// <param name="numAttentionHeads">
    /// The number of attention heads, when the graph does not show it; null to infer it. When both are known they must agree.
    /// </param>
    /// <returns>The configuration and weights; the caller owns (and disposes) it.</returns>
    /// <exception cref="InvalidDataException">
    /// The stream is not a readable ONNX model, or not a plain BERT export: the message names the missing or misshapen
    /// tensor or what the graph lacks.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="numAttentionHeads"/> does not divide the hidden size or contradicts the graph.</exception>
    internal static BertOnnxImport Import(Stream onnx, string sourceName, int? numAttentionHeads = null) =>
        Import(OnnxModelReader.Read(onnx, sourceName).Graph, sourceName, numAttentionHeads);

    /// <summary>Recovers the configuration and weights of a BERT encoder from an ONNX graph already read.</summary>
    /// <param name="graph">The main graph of the export.</param>
    /// <param name="sourceName">Where the graph came from, used in error messages.</param>
    /// <param name="numAttentionHeads">The number of attention heads, or null to infer it from the graph.</param>
    /// <returns>The configuration and weights; the caller owns (and disposes) it.</returns>
    /// <exception cref="InvalidDataException">The graph is not a plain BERT export; the message names what is missing or misshapen.</exception>
    /// <exception cref="ArgumentException"><paramref name="numAttentionHeads"/> does not divide the hidden size or contradicts the graph.</exception>
    internal static BertOnnxImport Import(OnnxGraph graph, string sourceName, int? numAttentionHeads = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (numAttentionHeads is int requested)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requested, nameof(numAttentionHeads));
        }

        return new BertOnnxImporter(graph, sourceName).Run(numAttentionHeads);
    }

    private BertOnnxImport Run(int? numAttentionHeads)
    {
        RefuseFusedOperators();
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);

        int vocab = Extent("embeddings.word_embeddings.weight", 0, "[vocab_size, hidden_size]");
        int hidden = Extent("embeddings.word_embeddings.weight", 1, "[vocab_size, hidden_size]");
        int positions = Extent("embeddings.position_embeddings.weight", 0, "[max_position_embeddings, hidden_size]");
        int tokenTypes = Extent("embeddings.token_type_embeddings.weight", 0, "[type_vocab_size, hidden_size]");
        int layers = CountLayers();
        int intermediate = Extent("encoder.layer.0.intermediate.dense.bias", 0, "[intermediate_size]");

        // Embeddings and LayerNorms keep their names; embeddings.position_ids (an arange buffer) is not needed, since
        // BertEmbeddings counts positions itself.
        Add(state, "embeddings.word_embeddings.weight", vocab, hidden);
        Add(state, "embeddings.position_embeddings.weight", positions, hidden);
        Add(state, "embeddings.token_type_embeddings.weight", tokenTypes, hidden);
        Add(state, "embeddings.LayerNorm.weight", hidden);
        Add(state, "embeddings.LayerNorm.bias", hidden);
        for (int i = 0; i < layers; i++)
        {
            string layer = $"encoder.layer.{i}.";
            AddLinear(state, layer + "attention.self.query", hidden, hidden);
            AddLinear(state, layer + "attention.self.key", hidden, hidden);
            AddLinear(state, layer + "attention.self.value", hidden, hidden);
            AddLinear(state, layer + "attention.output.dense", hidden, hidden);
            Add(state, layer + "attention.output.LayerNorm.weight", hidden);
            Add(state, layer + "attention.output.LayerNorm.bias", hidden);
            AddLinear(state, layer + "intermediate.dense", hidden, intermediate);
            AddLinear(state, layer + "output.dense", intermediate, hidden);
            Add(state, layer + "output.LayerNorm.weight", hidden);
            Add(state, layer + "output.LayerNorm.bias", hidden);
        }

        bool hasPooler = _graph.TryGetConstant("pooler.dense.bias", out _);
        if (hasPooler)
        {
            AddLinear(state, "pooler.dense", hidden, hidden);
        }

        var config = new BertConfig(
            vocab,
            hidden,
            layers,
            AttentionHeads(hidden, numAttentionHeads),
            intermediate,
            positions,
            tokenTypes,
            LayerNormEps(),
            HuggingFaceDropout,
            HuggingFaceDropout,
            Activation(layers),
            HuggingFacePadTokenId);

        // Only now, with everything found, do the tensors leave the scope that disposes them on any failure.
        foreach (var tensor in state.Values)
        {
            tensor.DetachFromDisposeScope();
        }

        return new BertOnnxImport(config, state, hasPooler);
    }

    private void RefuseFusedOperators()
    {
        var fused = _graph.Nodes.FirstOrDefault(n => !n.IsStandard);
        if (fused is not null)
        {
            throw Invalid(
                $"node {fused} is the operator '{fused.OpType}' of domain '{fused.Domain}', so the graph was rewritten by an optimiser " +
                "that fuses or packs BERT's weights; import the plain torch.onnx export instead");
        }
    }

    private int CountLayers()
    {
        var indices = _graph.Initializers
            .Select(t => s_layerName.Match(t.Name))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToHashSet();
        if (indices.Count == 0)
        {
            throw Missing("encoder.layer.0.attention.self.query.bias");
        }

        int count = indices.Max() + 1;
        int gap = Enumerable.Range(0, count).FirstOrDefault(i => !indices.Contains(i), -1);
        if (gap >= 0)
        {
            throw Invalid($"it has tensors for encoder layer {count - 1} but none for layer {gap}");
        }

        return count;
    }

    private OnnxTensor Named(string key) => _graph.TryGetConstant(key, out var tensor) ? tensor : throw Missing(key);

    // One size of the configuration, read from the shape of a tensor that keeps its name.
    private int Extent(string key, int axis, string layout)
    {
        var tensor = Named(key);
        int rank = layout.Count(c => c == ',') + 1;
        if (tensor.Dims.Length != rank || tensor.Dims[axis] is <= 0 or > int.MaxValue)
        {
            throw Invalid($"tensor '{key}' has shape {tensor.ShapeText}; expected {layout} with positive sizes");
        }

        return (int)tensor.Dims[axis];
    }

    // A tensor that keeps its Hugging Face name and layout.
    private void Add(Dictionary<string, Tensor> state, string key, params long[] shape)
    {
        var tensor = Named(key);
        CheckShape(key, tensor, shape, shape, "");
        state[key] = ToFloat32(key, tensor);
    }

    private void AddLinear(Dictionary<string, Tensor> state, string module, int inFeatures, int outFeatures)
    {
        Add(state, module + ".bias", outFeatures);
        var (tensor, transposed) = LinearWeight(module, inFeatures, outFeatures);
        var weight = ToFloat32(module + ".weight", tensor);
        state[module + ".weight"] = transposed ? weight.t().contiguous() : weight;
    }

    // The weight of `module` and whether it is stored [in, out], found from the node that adds `module.bias`.
    private (OnnxTensor Tensor, bool Transposed) LinearWeight(string module, int inFeatures, int outFeatures)
    {
        string bias = module + ".bias";
        foreach (var node in _graph.Consumers(bias).Where(n => n.IsStandard))
        {
            if (node is { OpType: "Gemm", Inputs.Count: 3 } && node.Inputs[2] == bias && node.Outputs.Count > 0)
            {
                _linearOutputs[module] = node.Outputs[0];
                bool transB = node.Attribute("transB")?.Int is 1;
                return Operand(module, node, node.Inputs[1], storedTransposed: !transB, inFeatures, outFeatures);
            }

            if (node is { OpType: "Add", Inputs.Count: 2 } && node.Outputs.Count > 0)
            {
                string product = node.Inputs[0] == bias ? node.Inputs[1] : node.Inputs[0];
                if (_graph.Producer(product) is { OpType: "MatMul", IsStandard: true, Inputs.Count: 2 } matMul)
                {
                    _linearOutputs[module] = node.Outputs[0];
                    return Operand(module, matMul, matMul.Inputs[1], storedTransposed: true, inFeatures, outFeatures);
                }
            }
        }

        string consumers = string.Join(", ", _graph.Consumers(bias).Select(n => n.ToString()).DefaultIfEmpty("no node"));
        throw Invalid(
            $"cannot find the weight of '{module}': '{bias}' is used by {consumers}, not by an Add after a MatMul or by a Gemm " +
            "as a plain torch.onnx export does");
    }

    // The constant behind a MatMul's or Gemm's weight operand, looking through a Transpose (an unfolded `W.T`).
    private (OnnxTensor Tensor, bool Transposed) Operand(string module, OnnxNode user, string operand, bool storedTransposed, int inFeatures, int outFeatures)
    {
        bool transposed = storedTransposed;
        if (!_graph.TryGetConstant(operand, out var tensor))
        {
            var producer = _graph.Producer(operand);
            bool swapsTwoAxes = producer is { OpType: "Transpose", IsStandard: true, Inputs.Count: 1 }
                && producer.Attribute("perm")?.Ints is null or [] or [1, 0];
            if (!swapsTwoAxes || !_graph.TryGetConstant(producer!.Inputs[0], out tensor))
            {
                string origin = producer is null ? "which no initializer or node provides" : $"computed by {producer}";
                throw Invalid($"the weight '{module}.weight' of '{module}' is not a constant: {user} takes it as '{operand}', {origin}");
            }

            transposed = !transposed;
        }

        long[] expected = transposed ? new long[] { inFeatures, outFeatures } : new long[] { outFeatures, inFeatures };
        CheckShape(module + ".weight", tensor, expected, new long[] { outFeatures, inFeatures }, $" (ONNX tensor '{tensor.Name}' used by {user})");
        return (tensor, transposed);
    }

    private void CheckShape(string key, OnnxTensor tensor, long[] stored, long[] huggingFace, string where)
    {
        if (!tensor.Dims.SequenceEqual(stored))
        {
            string layout = stored.SequenceEqual(huggingFace) ? string.Empty : $", which is [{string.Join(", ", huggingFace)}] transposed";
            throw Invalid($"tensor '{key}'{where} has shape {tensor.ShapeText} but the encoder built from the other tensors needs [{string.Join(", ", stored)}]{layout}");
        }
    }

    private Tensor ToFloat32(string key, OnnxTensor tensor)
    {
        if (tensor.DataType is not (OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.BFloat16 or OnnxDataType.Double))
        {
            throw Invalid($"tensor '{key}' holds {tensor.DataType} elements where floating-point weights belong");
        }

        var value = tensor.ToTensor();
        return value.dtype == ScalarType.Float32 ? value : value.to(ScalarType.Float32);
    }

    private int AttentionHeads(int hidden, int? requested)
    {
        int? inferred = HeadsFromReshapes(hidden) ?? HeadsFromScale(hidden);
        if (requested is int heads)
        {
            if (hidden % heads != 0)
            {
                throw new ArgumentException($"numAttentionHeads ({heads}) must divide the hidden size of '{_source}' ({hidden}).", "numAttentionHeads");
            }

            if (inferred is int found && found != heads)
            {
                throw new ArgumentException(
                    $"numAttentionHeads is {heads} but the graph of '{_source}' splits the hidden size {hidden} into {found} heads; pass null to use the graph's.",
                    "numAttentionHeads");
            }

            return heads;
        }

        return inferred ?? throw Invalid(
            "the number of attention heads cannot be inferred (no Reshape to [batch, time, heads, head size] with constant heads, " +
            "and no division of the attention scores by sqrt(head size)); pass numAttentionHeads");
    }

    // Attention splits (batch, time, hidden) into (batch, time, heads, head size): a Reshape whose shape ends in two
    // constants multiplying to the hidden size, given as one constant ([0, 0, 12, 32]) or as a Concat of pieces.
    private int? HeadsFromReshapes(int hidden)
    {
        var found = new HashSet<long>();
        foreach (var node in _graph.Nodes.Where(n => n is { OpType: "Reshape", IsStandard: true, Inputs.Count: 2 }))
        {
            var shape = ConstantPieces(node.Inputs[1]);
            if (shape is { Length: 4 } && shape[2] is > 0 and long heads && shape[3] is > 0 and long headSize && heads * headSize == hidden)
            {
                found.Add(heads);
            }
        }

        return found.Count == 1 ? (int)found.Single() : null;
    }

    private long?[]? ConstantPieces(string value)
    {
        if (_graph.TryGetConstant(value, out var constant))
        {
            return constant.ToDoubles().Select(v => (long?)v).ToArray();
        }

        if (_graph.Producer(value) is not { OpType: "Concat", IsStandard: true } concat)
        {
            return null;
        }

        // A piece computed at run time (a Shape, Gather, Unsqueeze chain for batch or time) is one unknown element.
        var pieces = new List<long?>();
        foreach (string input in concat.Inputs)
        {
            pieces.AddRange(_graph.TryGetConstant(input, out var piece) ? piece.ToDoubles().Select(v => (long?)v) : new long?[] { null });
        }

        return pieces.ToArray();
    }

    // The attention scores q·k are divided by sqrt(head size) (or multiplied by its inverse) before the softmax.
    private int? HeadsFromScale(int hidden)
    {
        var found = new HashSet<long>();
        foreach (var node in _graph.Nodes.Where(n => n is { OpType: "Div" or "Mul", IsStandard: true, Inputs.Count: 2 }))
        {
            bool ofScores = _graph.Producer(node.Inputs[0]) is { OpType: "MatMul" } scores && !scores.Inputs.Any(i => _graph.TryGetConstant(i, out _));
            if (!ofScores || !_graph.TryGetConstant(node.Inputs[1], out var scale) || scale.ElementCount != 1)
            {
                continue;
            }

            double factor = scale.ToDoubles()[0];
            double headSize = node.OpType == "Div" ? factor * factor : 1 / (factor * factor);
            long rounded = (long)Math.Round(headSize);
            if (rounded > 0 && Math.Abs(headSize - rounded) < 1e-3 * rounded && hidden % rounded == 0)
            {
                found.Add(hidden / rounded);
            }
        }

        return found.Count == 1 ? (int)found.Single() : null;
    }

    // The operators between each layer's intermediate dense and its output dense name the activation.
    private string Activation(int layers)
    {
        string? activation = null;
        for (int i = 0; i < layers; i++)
        {
            var ops = OperatorsAfter(_linearOutputs[$"encoder.layer.{i}.intermediate.dense"]);
            bool Has(string opType) => ops.Any(n => n.OpType == opType);
            string? found =
                Has("Erf") ? "gelu"
                : ops.FirstOrDefault(n => n.OpType == "Gelu") is { } gelu ? (gelu.Attribute("approximate")?.String == "tanh" ? "gelu_new" : "gelu")
                : Has("Tanh") ? "gelu_new"
                : Has("Relu") ? "relu"
                : null;
            if (found is null)
            {
                throw Invalid(
                    $"the activation of encoder layer {i} is none this encoder supports: its intermediate dense is followed by " +
                    $"{string.Join(", ", ops.Select(n => n.OpType).Distinct().DefaultIfEmpty("nothing"))} (supported: Erf for gelu, Tanh or Gelu for gelu_new, Relu)");
            }

            if (activation is not null && activation != found)
            {
                throw Invalid($"encoder layer {i} uses {found} but the layers before it use {activation}");
            }

            activation = found;
        }

        return activation ?? "gelu";
    }

    // The nodes reachable from `value` without passing a MatMul or Gemm (the next linear layer).
    private List<OnnxNode> OperatorsAfter(string value)
    {
        var seen = new HashSet<OnnxNode>(ReferenceEqualityComparer.Instance);
        var pending = new Queue<string>(new[] { value });
        var result = new List<OnnxNode>();
        while (pending.Count > 0 && result.Count < 64)
        {
            foreach (var node in _graph.Consumers(pending.Dequeue()))
            {
                if (node.OpType is "MatMul" or "Gemm" || !seen.Add(node))
                {
                    continue;
                }

                result.Add(node);
                foreach (string output in node.Outputs)
                {
                    pending.Enqueue(output);
                }
            }
        }

        return result;
    }

    // LayerNormalization carries epsilon; the decomposed form (opset < 17) adds it to the variance before the Sqrt:
    // Mul(Div(x - mean, Sqrt(Add(variance, eps))), weight).
    private double LayerNormEps()
    {
        foreach (var node in _graph.Consumers("embeddings.LayerNorm.weight"))
        {
            if (node.OpType == "LayerNormalization")
            {
                return node.Attribute("epsilon")?.Float is float epsilon ? Shortest(epsilon) : OnnxLayerNormalizationDefaultEps;
            }

            if (node.OpType != "Mul")
            {
                continue;
            }

            string normalized = node.Inputs[0] == "embeddings.LayerNorm.weight" ? node.Inputs[^1] : node.Inputs[0];
            if (_graph.Producer(normalized) is { OpType: "Div", Inputs.Count: 2 } div
                && _graph.Producer(div.Inputs[1]) is { OpType: "Sqrt" } sqrt
                && _graph.Producer(sqrt.Inputs[0]) is { OpType: "Add" } add)
            {
                foreach (string input in add.Inputs)
                {
                    if (_graph.TryGetConstant(input, out var constant) && constant.ElementCount == 1)
                    {
                        return Shortest((float)constant.ToDoubles()[0]);
                    }
                }
            }
        }

        return HuggingFaceLayerNormEps;
    }

    // The graph holds float32 constants; 1e-12f widened to double is 9.9999999600e-13, so take the float's shortest form.
    private static double Shortest(float value) => double.Parse(value.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private InvalidDataException Missing(string key) =>
        Invalid($"it has no tensor '{key}', which a BERT encoder needs: it is not a Hugging Face BERT export, or an optimiser renamed its weights");

    private InvalidDataException Invalid(string reason) => new($"'{_source}' cannot be imported as a BERT encoder: {reason}.");
}
