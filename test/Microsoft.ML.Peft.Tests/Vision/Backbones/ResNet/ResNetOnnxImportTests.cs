// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.Onnx;
using Microsoft.ML.Peft.Vision.Backbones.ResNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.ResNet;

public sealed class ResNetOnnxImportTests
{
    [Fact]
    public void ResNet18_FromThePackage_HasTorchvisionKeysAndTheCntkModelsBlocks()
    {
        var backbone = VisionBackbones.ResNet18();
        using var encoder = (ResNetModel)backbone.CreateEncoder();

        Assert.Equal(ResNetArchitecture.Type, backbone.ModelType);
        Assert.Equal("vision", backbone.Modality);
        Assert.Equal(ResNetModel.Features, backbone.HiddenSize);
        Assert.Equal(ResNet18Package.SourceName, backbone.Source);
        Assert.Same(backbone, VisionBackbones.ResNet18());

        // ML.NET's CNTK "ResNet-18" has a third basic block in layer4 (22 convolutions where torchvision's resnet18 has 20).
        Assert.Equal(new[] { 2, 2, 2, 3 }, encoder.Blocks);
        Assert.Equal(TorchvisionKeys(new[] { 2, 2, 2, 3 }), encoder.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void ResNetModel_Resnet18Layout_HasExactlyTorchvisionsResnet18StateDictKeysWithoutFc()
    {
        using var model = new ResNetModel(new[] { 2, 2, 2, 2 });

        var keys = model.state_dict().Keys.ToList();
        Assert.Equal(TorchvisionKeys(new[] { 2, 2, 2, 2 }), keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(120, keys.Count);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.Contains("layer4.1.bn2.running_var", keys);
    }

    [Fact]
    public void Import_StridesOfAConvChanged_IsRefusedNamingTheNodeAndTheTorchvisionModule()
    {
        var graph = OnnxModelReader.Read(ResNet18Package.ModelPath).Graph;
        var nodes = graph.Nodes.ToList();
        int index = nodes.FindIndex(n => n.Name == "Convolution257");
        nodes[index] = nodes[index] with { Attributes = nodes[index].Attributes.Select(a => a.Name == "strides" ? a with { Ints = new long[] { 2, 2 } } : a).ToList() };

        var error = Assert.Throws<InvalidDataException>(() => ResNetOnnxImporter.Import(new OnnxGraph(nodes, graph.Initializers), "changed.onnx"));

        Assert.Contains("'changed.onnx'", error.Message);
        Assert.Contains("Conv 'Convolution257' (layer1.0.conv1)", error.Message);
        Assert.Contains("stride 1", error.Message);
    }

    [Fact]
    public void Import_AReluRemovedFromABlock_IsRefusedNamingWhereTheWalkStopped()
    {
        var graph = OnnxModelReader.Read(ResNet18Package.ModelPath).Graph;

        // Drop the ReLU after the first block's residual Add and feed the Add straight into the next block.
        var relu = graph.Nodes.Single(n => n.Name == "ReLU269");
        var nodes = graph.Nodes.Where(n => n != relu)
            .Select(n => n with { Inputs = n.Inputs.Select(i => i == relu.Outputs[0] ? relu.Inputs[0] : i).ToList() })
            .ToList();

        var error = Assert.Throws<InvalidDataException>(() => ResNetOnnxImporter.Import(new OnnxGraph(nodes, graph.Initializers), "changed.onnx"));

        Assert.Contains("the ReLU after block layer1.0", error.Message);
        Assert.Contains("Plus267_Output_0", error.Message);
    }

    [Fact]
    public void ResNetModel_BuiltUsedAndDisposed_LeavesNoTensorAlive()
    {
        new ResNetModel(new[] { 1, 1, 1, 1 }).Dispose();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (var model = new ResNetModel(new[] { 2, 2, 2, 3 }))
        using (var scope = NewDisposeScope())
        {
            model.eval();
            Assert.Equal(new long[] { 2, ResNetModel.Features }, model.call(zeros(2, 3, 64, 64)).shape);
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void BatchNorm2d_TorchSharpConstructor_LeavesNoTemporaryEither()
    {
        // Measured with TorchSharp 0.107: unlike Conv2d, BatchNorm2d leaves nothing; ResNetBasicBlock builds it scoped anyway.
        nn.BatchNorm2d(4).Dispose();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        nn.BatchNorm2d(4).Dispose();
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    internal static IEnumerable<string> TorchvisionKeys(int[] blocks)
    {
        var keys = new List<string> { "conv1.weight" };
        keys.AddRange(BatchNormKeys("bn1"));
        for (int layer = 0; layer < 4; layer++)
        {
            for (int block = 0; block < blocks[layer]; block++)
            {
                string prefix = $"layer{layer + 1}.{block}.";
                keys.Add(prefix + "conv1.weight");
                keys.AddRange(BatchNormKeys(prefix + "bn1"));
                keys.Add(prefix + "conv2.weight");
                keys.AddRange(BatchNormKeys(prefix + "bn2"));
                if (layer > 0 && block == 0)
                {
                    keys.Add(prefix + "downsample.0.weight");
                    keys.AddRange(BatchNormKeys(prefix + "downsample.1"));
                }
            }
        }

        return keys.OrderBy(k => k, StringComparer.Ordinal);
    }

    private static IEnumerable<string> BatchNormKeys(string module) =>
        new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }.Select(n => $"{module}.{n}");
}
