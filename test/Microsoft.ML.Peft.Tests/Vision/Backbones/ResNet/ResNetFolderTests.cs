// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.Backbones.ResNet;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.ResNet;

public sealed class ResNetFolderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-resnet-folder-" + Guid.NewGuid().ToString("N"));

    public ResNetFolderTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void FromDirectory_TorchvisionStateDictFolder_ReopensIdenticalWeightsAndReadsItsRgbProcessor()
    {
        File.WriteAllText(Path.Combine(_directory, "config.json"), ResNetArchitecture.Config(new[] { 1, 1, 1, 1 }).ToJsonString());
        File.WriteAllText(
            Path.Combine(_directory, "preprocessor_config.json"),
            "{\"size\": {\"shortest_edge\": 224}, \"crop_size\": 224, \"rescale_factor\": 0.00392156862745098, \"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225]}");
        manual_seed(3);
        using (var scope = NewDisposeScope())
        using (var written = new ResNetModel(new[] { 1, 1, 1, 1 }))
        {
            SafeTensorsFile.Write(Path.Combine(_directory, "model.safetensors"), written.state_dict(), metadata: null);
        }

        var backbone = PretrainedModel.FromDirectory(_directory).AsVision("test");
        using var encoder = (ResNetModel)backbone.CreateEncoder();
        var processor = backbone.CreateProcessor();

        Assert.Equal(new[] { 1, 1, 1, 1 }, encoder.Blocks);
        var saved = SafeTensorsFile.Read(Path.Combine(_directory, "model.safetensors"));
        foreach (var (key, tensor) in encoder.state_dict())
        {
            Assert.True(saved[key].allclose(tensor, rtol: 0, atol: 0), key);
        }

        foreach (var tensor in saved.Values)
        {
            tensor.Dispose();
        }

        Assert.False(processor.Config.BgrOutput);
        Assert.Null(processor.Config.MeanImage);
        Assert.Equal(new[] { 0.485, 0.456, 0.406 }, processor.Config.Mean);
    }

    [Fact]
    public void FromDirectory_BottleneckBlocks_AreRefusedNamingTheField()
    {
        var config = ResNetArchitecture.Config(new[] { 3, 4, 6, 3 });
        config["block"] = "bottleneck";
        File.WriteAllText(Path.Combine(_directory, "config.json"), config.ToJsonString());
        File.WriteAllBytes(Path.Combine(_directory, "model.safetensors"), Array.Empty<byte>());

        var error = Assert.Throws<InvalidDataException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains("`block`", error.Message);
        Assert.Contains("basic", error.Message);
    }
}
