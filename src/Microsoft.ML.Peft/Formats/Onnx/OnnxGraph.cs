// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Formats.Onnx;

/// <summary>
/// The main graph of an ONNX model: its nodes in file (topological) order and its initializers, with look-ups from a
/// value name to the node producing it, the nodes consuming it, and the constant it holds.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly Dictionary<string, OnnxTensor> _initializers;
    private readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNode>> _consumers = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">Two initializers share a name.</exception>
    internal OnnxGraph(IReadOnlyList<OnnxNode> nodes, IReadOnlyList<OnnxTensor> initializers)
    {
        Nodes = nodes;
        Initializers = initializers;
        _initializers = new Dictionary<string, OnnxTensor>(initializers.Count, StringComparer.Ordinal);
        foreach (var tensor in initializers)
        {
            if (!_initializers.TryAdd(tensor.Name, tensor))
            {
                throw new ArgumentException($"Two initializers are named '{tensor.Name}'; ONNX requires distinct names.", nameof(initializers));
            }
        }

        foreach (var node in nodes)
        {
            foreach (string output in node.Outputs.Where(o => o.Length > 0))
            {
                _producers.TryAdd(output, node);
            }

            // An empty input name marks an omitted optional input.
            foreach (string input in node.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    _consumers[input] = list = new List<OnnxNode>();
                }

                list.Add(node);
            }
        }
    }

    internal IReadOnlyList<OnnxNode> Nodes { get; }

    internal IReadOnlyList<OnnxTensor> Initializers { get; }

    internal bool TryGetInitializer(string name, out OnnxTensor tensor) => _initializers.TryGetValue(name, out tensor!);

    /// <summary>The node whose output is <paramref name="value"/>, or null for a graph input, an initializer or an unknown name.</summary>
    internal OnnxNode? Producer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>The nodes taking <paramref name="value"/> as an input, in graph order.</summary>
    internal IReadOnlyList<OnnxNode> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : Array.Empty<OnnxNode>();

    /// <summary>
    /// The constant behind <paramref name="value"/>: an initializer, or the <c>value</c> (or <c>value_int(s)</c>,
    /// <c>value_float(s)</c>) of a <c>Constant</c> node, looking through <c>Identity</c> nodes.
    /// </summary>
    internal bool TryGetConstant(string value, out OnnxTensor tensor)
    {
        // Identity chains are short; the bound only guards against a cyclic (corrupt) graph.
        for (int hop = 0; hop < 16; hop++)
        {
            if (_initializers.TryGetValue(value, out tensor!))
            {
                return true;
            }

            var producer = Producer(value);
            if (producer is { OpType: "Identity", IsStandard: true, Inputs.Count: 1 })
            {
                value = producer.Inputs[0];
                continue;
            }

            if (producer is { OpType: "Constant", IsStandard: true })
            {
                var constant = ConstantValue(producer, value);
                tensor = constant!;
                return constant is not null;
            }

            break;
        }

        tensor = null!;
        return false;
    }

    private static OnnxTensor? ConstantValue(OnnxNode node, string name)
    {
        foreach (var attribute in node.Attributes)
        {
            switch (attribute.Name)
            {
                case "value" when attribute.Tensor is not null:
                    return attribute.Tensor with { Name = name };
                case "value_float" when attribute.Float is float f:
                    return new OnnxTensor(name, Array.Empty<long>(), OnnxDataType.Float, BitConverter.GetBytes(f));
                case "value_floats":
                    return new OnnxTensor(name, new long[] { attribute.Floats.Count }, OnnxDataType.Float, attribute.Floats.SelectMany(BitConverter.GetBytes).ToArray());
                case "value_int" when attribute.Int is long i:
                    return new OnnxTensor(name, Array.Empty<long>(), OnnxDataType.Int64, BitConverter.GetBytes(i));
                case "value_ints":
                    return new OnnxTensor(name, new long[] { attribute.Ints.Count }, OnnxDataType.Int64, attribute.Ints.SelectMany(BitConverter.GetBytes).ToArray());
            }
        }

        return null;
    }
}
