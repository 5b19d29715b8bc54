// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>
/// Recovers the weights of a torchvision ResNet of basic blocks (<c>resnet18</c>, <c>resnet34</c>, and the CNTK model with
/// blocks [2, 2, 2, 3]) from an ONNX graph of the network (the CNTK export ML.NET ships in
/// Microsoft.ML.DnnImageFeaturizer.ResNet18, whose initializers are anonymous: <c>Parameter91</c>, <c>Constant98</c>).
/// </summary>
/// <remarks>
/// <para>
/// Names cannot be matched, so the graph is walked: from the graph input, the stem (Conv, BatchNormalization, Relu, MaxPool);
/// then for each basic block until the average pool, the Conv of the block input whose BatchNormalization feeds a Relu (the main path:
/// conv1, bn1, Relu, conv2, bn2) and the Add that joins it with the shortcut (the block input itself, or a Conv and
/// BatchNormalization of it: downsample.0 and .1), then the Relu after the Add; a block whose conv1 widens the channels starts the next layer (with stride 2 and a downsample). Every Conv and
/// BatchNormalization is checked against torchvision's layout (weight shape, kernel, stride, padding, dilation, groups,
/// no bias, epsilon), and the first that differs is named with what was expected.
/// </para>
/// <para>
/// CNTK pads a stride-2 convolution or pool as [begin p, end p − 1] instead of torchvision's p on both sides; on even input
/// sizes (224) the extra row and column are never read, so both give the same values, and the padding is accepted as
/// torchvision's.
/// </para>
/// </remarks>
internal sealed class ResNetOnnxImporter
{
    private const double BatchNormEps = 1e-5;

    private readonly OnnxGraph _graph;
    private readonly string _source;
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);

    private ResNetOnnxImporter(OnnxGraph graph, string source)
    {
        _graph = graph;
        _source = source;
    }

    /// <summary>
    /// The blocks per layer of <paramref name="graph"/> and its weights keyed as that <see cref="ResNetModel"/>'s state_dict:
    /// CPU float32 tensors (and BatchNorm's <c>num_batches_tracked</c>, 0), in no dispose scope; the caller owns them.
    /// </summary>
    /// <exception cref="InvalidDataException">The graph is not a ResNet of basic blocks laid out as torchvision's; the message names the node.</exception>
    internal static ResNetOnnxImport Import(OnnxGraph graph, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return new ResNetOnnxImporter(graph, sourceName).Run();
    }

    private ResNetOnnxImport Run()
    {
        using var scope = NewDisposeScope();
        var unsupported = _graph.Nodes.FirstOrDefault(n => !n.IsStandard);
        if (unsupported is not null)
        {
            throw Invalid($"node {unsupported} is of domain '{unsupported.Domain}'; only standard ONNX operators are read");
        }

        var stem = Stem();
        string value = ConvBatchNorm(stem, "conv1", "bn1", 3, ResNetModel.LayerChannels[0], kernel: 7, stride: 2, padding: 3);
        var relu = Sole(value, "Relu", "the stem's ReLU");
        var pool = Sole(relu.Outputs[0], "MaxPool", "the stem's 3×3 max pool");
        CheckWindow(pool, "the stem's max pool", kernel: 3, stride: 2, padding: 1);
        value = pool.Outputs[0];

        // Blocks follow one another until the average pool; a block that widens (with stride 2) starts the next layer.
        int layer = 0;
        int block = 0;
        var blocks = new int[ResNetModel.LayerChannels.Length];
        while (!_graph.Consumers(value).Any(n => n.OpType is "AveragePool" or "GlobalAveragePool"))
        {
            int widens = MainPathChannels(value) != ResNetModel.LayerChannels[layer] && block > 0 ? 1 : 0;
            layer += widens;
            block = widens == 1 ? 0 : block;
            if (layer >= ResNetModel.LayerChannels.Length)
            {
                throw Invalid($"the block reading '{value}' widens past layer4 (512 channels); torchvision's ResNet has four layers");
            }

            int inChannels = block == 0 && layer > 0 ? ResNetModel.LayerChannels[layer - 1] : ResNetModel.LayerChannels[layer];
            int stride = layer > 0 && block == 0 ? 2 : 1;
            value = Block($"layer{layer + 1}.{block}.", value, inChannels, ResNetModel.LayerChannels[layer], stride);
            blocks[layer] = ++block;
        }

        if (layer != ResNetModel.LayerChannels.Length - 1)
        {
            throw Invalid($"it is average-pooled after layer{layer + 1}; torchvision's ResNet has four layers (64, 128, 256, 512 channels)");
        }

        CompleteWithFreshBuffers(blocks);
        foreach (var tensor in _state.Values)
        {
            tensor.DetachFromDisposeScope();
        }

        return new ResNetOnnxImport(blocks, _state);
    }

    // The first convolution reads the graph input: a value no node produces and no initializer holds.
    private OnnxNode Stem()
    {
        var stems = _graph.Nodes
            .Where(n => n.OpType == "Conv" && n.Inputs.Count > 0 && _graph.Producer(n.Inputs[0]) is null && !_graph.TryGetInitializer(n.Inputs[0], out _))
            .ToList();
        return stems.Count == 1
            ? stems[0]
            : throw Invalid($"{stems.Count} Conv nodes read the graph input ({string.Join(", ", stems)}); a ResNet has one, its stem conv1");
    }

    private string Block(string prefix, string input, int inChannels, int channels, int stride)
    {
        var convs = _graph.Consumers(input).Where(n => n.OpType == "Conv").ToList();
        OnnxNode? main = null;
        OnnxNode? shortcut = null;
        foreach (var conv in convs)
        {
            var bn = SoleOrNull(conv.Outputs[0]);
            var next = bn is { OpType: "BatchNormalization" } ? SoleOrNull(bn.Outputs[0]) : null;
            if (next?.OpType == "Relu")
            {
                main = main is null ? conv : throw Invalid($"block {prefix.TrimEnd('.')} has two main paths from '{input}' ({main} and {conv})");
            }
            else if (next?.OpType == "Add")
            {
                shortcut = shortcut is null ? conv : throw Invalid($"block {prefix.TrimEnd('.')} has two shortcut convolutions from '{input}' ({shortcut} and {conv})");
            }
        }

        if (main is null)
        {
            throw Invalid($"no Conv → BatchNormalization → Relu reads '{input}', the input of block {prefix.TrimEnd('.')}");
        }

        string hidden = ConvBatchNorm(main, prefix + "conv1", prefix + "bn1", inChannels, channels, kernel: 3, stride, padding: 1);
        var relu = Sole(hidden, "Relu", $"the ReLU of block {prefix.TrimEnd('.')}");
        var conv2 = Sole(relu.Outputs[0], "Conv", $"{prefix}conv2");
        hidden = ConvBatchNorm(conv2, prefix + "conv2", prefix + "bn2", channels, channels, kernel: 3, stride: 1, padding: 1);
        var add = Sole(hidden, "Add", $"the residual Add of block {prefix.TrimEnd('.')}");
        string other = add.Inputs.Count == 2 ? (add.Inputs[0] == hidden ? add.Inputs[1] : add.Inputs[0]) : string.Empty;

        bool needsDownsample = stride != 1 || inChannels != channels;
        if (needsDownsample)
        {
            if (shortcut is null)
            {
                throw Invalid($"block {prefix.TrimEnd('.')} changes stride or width but {add} adds '{other}', not a 1×1 Conv and BatchNormalization of the block input (downsample)");
            }

            string projected = ConvBatchNorm(shortcut, prefix + "downsample.0", prefix + "downsample.1", inChannels, channels, kernel: 1, stride, padding: 0);
            if (projected != other)
            {
                throw Invalid($"{add} adds '{other}' where block {prefix.TrimEnd('.')} needs its downsample '{projected}'");
            }
        }
        else if (shortcut is not null || other != input)
        {
            throw Invalid($"block {prefix.TrimEnd('.')} keeps stride and width, so {add} must add its input '{input}' (torchvision has no downsample there), but adds '{other}'");
        }

        return Sole(add.Outputs[0], "Relu", $"the ReLU after block {prefix.TrimEnd('.')}").Outputs[0];
    }

    // Conv (no bias) then BatchNormalization; returns the BatchNormalization's output.
    private string ConvBatchNorm(OnnxNode conv, string convName, string bnName, int inChannels, int outChannels, int kernel, int stride, int padding)
    {
        if (conv.Inputs.Count != 2)
        {
            throw Invalid($"{conv} ({convName}) has a bias or no weight; torchvision's {convName} is a convolution without bias");
        }

        CheckWindow(conv, convName, kernel, stride, padding);
        if ((conv.Attribute("group")?.Int ?? 1) != 1 || conv.Attribute("dilations")?.Ints.Any(d => d != 1) == true)
        {
            throw Invalid($"{conv} ({convName}) is grouped or dilated; torchvision's {convName} has groups 1 and dilation 1");
        }

        _state[convName + ".weight"] = Constant(conv, 1, convName + ".weight", outChannels, inChannels, kernel, kernel);

        var bn = Sole(conv.Outputs[0], "BatchNormalization", bnName);
        if (bn.Inputs.Count != 5)
        {
            throw Invalid($"{bn} ({bnName}) has {bn.Inputs.Count} inputs; expected X, scale, B, mean and var");
        }

        double eps = bn.Attribute("epsilon")?.Float ?? BatchNormEps;
        if (Math.Abs(eps - BatchNormEps) > 1e-9)
        {
            throw Invalid($"{bn} ({bnName}) has epsilon {eps}; torchvision's BatchNorm2d uses {BatchNormEps}");
        }

        _state[bnName + ".weight"] = Constant(bn, 1, bnName + ".weight", outChannels);
        _state[bnName + ".bias"] = Constant(bn, 2, bnName + ".bias", outChannels);
        _state[bnName + ".running_mean"] = Constant(bn, 3, bnName + ".running_mean", outChannels);
        _state[bnName + ".running_var"] = Constant(bn, 4, bnName + ".running_var", outChannels);
        return bn.Outputs[0];
    }

    // Kernel, strides and pads of a Conv or pool, against torchvision's square kernel, stride and symmetric padding.
    private void CheckWindow(OnnxNode node, string module, int kernel, int stride, int padding)
    {
        var kernelShape = node.Attribute("kernel_shape")?.Ints;
        var strides = node.Attribute("strides")?.Ints is { Count: > 0 } s ? s : new long[] { 1, 1 };
        var pads = node.Attribute("pads")?.Ints is { Count: > 0 } p ? p : new long[] { 0, 0, 0, 0 };
        string autoPad = node.Attribute("auto_pad")?.String ?? "NOTSET";
        bool symmetric = pads.All(v => v == padding);
        bool cntkSame = stride == 2 && padding > 0 && pads.Count == 4 && pads[0] == padding && pads[1] == padding && pads[2] == padding - 1 && pads[3] == padding - 1;
        if ((kernelShape is not null && kernelShape.Any(k => k != kernel)) || strides.Any(v => v != stride) || pads.Count != 4 || !(symmetric || cntkSame) || autoPad != "NOTSET")
        {
            throw Invalid(
                $"{node} ({module}) has kernel [{string.Join(", ", kernelShape ?? Array.Empty<long>())}], strides [{string.Join(", ", strides)}], pads [{string.Join(", ", pads)}], auto_pad {autoPad}; " +
                $"torchvision's {module} has kernel {kernel}×{kernel}, stride {stride} and padding {padding}");
        }
    }

    private Tensor Constant(OnnxNode node, int input, string key, params long[] shape)
    {
        if (!_graph.TryGetConstant(node.Inputs[input], out var constant))
        {
            throw Invalid($"input {input} of {node} ('{node.Inputs[input]}'), which holds {key}, is not a constant");
        }

        if (!constant.Dims.SequenceEqual(shape))
        {
            throw Invalid($"'{constant.Name}' ({key}, input {input} of {node}) has shape {constant.ShapeText}; torchvision's ResNet needs [{string.Join(", ", shape)}]");
        }

        if (constant.DataType != OnnxDataType.Float)
        {
            throw Invalid($"'{constant.Name}' ({key}) holds {constant.DataType}; float weights are expected");
        }

        return constant.ToTensor();
    }

    // The buffers the graph has no counterpart for (num_batches_tracked) take a fresh model's values, and the keys must then
    // be exactly the model's: a mismatch is a bug of this walk, not of the file.
    private void CompleteWithFreshBuffers(int[] blocks)
    {
        using var fresh = new ResNetModel(blocks);
        foreach (var (key, tensor) in fresh.state_dict())
        {
            if (!_state.ContainsKey(key))
            {
                _state[key] = key.EndsWith(".num_batches_tracked", StringComparison.Ordinal)
                    ? tensor.detach().clone()
                    : throw new InvalidOperationException($"The ResNet import found no tensor for '{key}'.");
            }
        }

        var extra = _state.Keys.Except(fresh.state_dict().Keys).FirstOrDefault();
        if (extra is not null)
        {
            throw new InvalidOperationException($"The ResNet import produced '{extra}', which ResNetModel does not have.");
        }
    }

    // The output channels of the main-path convolution reading `value` (the next block's conv1), or 0 when there is none.
    private long MainPathChannels(string value) =>
        _graph.Consumers(value)
            .Where(n => n.OpType == "Conv" && n.Inputs.Count > 1 && SoleOrNull(n.Outputs[0]) is { OpType: "BatchNormalization" } bn && SoleOrNull(bn.Outputs[0])?.OpType == "Relu")
            .Select(n => _graph.TryGetConstant(n.Inputs[1], out var w) && w.Dims.Length == 4 ? w.Dims[0] : 0)
            .FirstOrDefault();

    private OnnxNode? SoleOrNull(string value) => _graph.Consumers(value) is { Count: 1 } consumers ? consumers[0] : null;

    private OnnxNode Sole(string value, string opType, string what)
    {
        var consumers = _graph.Consumers(value);
        return consumers is [{ } node] && node.OpType == opType
            ? node
            : throw Invalid($"'{value}' should feed only the {opType} of {what}, but feeds {string.Join(", ", consumers.Select(n => n.ToString()).DefaultIfEmpty("nothing"))}");
    }

    private InvalidDataException Invalid(string reason) =>
        new($"'{_source}' cannot be imported as a torchvision ResNet of basic blocks: {reason}.");
}
