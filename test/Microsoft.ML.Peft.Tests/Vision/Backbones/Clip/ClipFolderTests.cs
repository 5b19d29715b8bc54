// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Vision.Backbones.Clip;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

/// <summary>CLIP folders through <see cref="PretrainedModel.FromDirectory"/>: weights, shape, processor and refusals.</summary>
public sealed class ClipFolderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-clip-folder-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void FromDirectory_TinyFolderWrittenFromAFreshModel_ReopensIdenticalWeightsAndTheImageTowersShape()
    {
        using var scope = NewDisposeScope();
        TinyClipFolder.Write(_directory, seed: 11);
        var written = SafeTensorsFile.Read(Path.Combine(_directory, "model.safetensors"));

        var model = PretrainedModel.FromDirectory(_directory);
        using var encoder = (ClipModel)model.CreateEncoder();

        // The shape is the image tower's: width, depth, and 4 patches plus the class token.
        Assert.Equal(("clip", "vision", 16, 1, 5), (model.ModelType, model.Modality, model.HiddenSize, model.LayerCount, model.MaxSequenceLength));
        var state = encoder.state_dict();
        Assert.All(written, p => Assert.True(p.Value.eq(state[p.Key]).all().item<bool>(), p.Key));
        Assert.Equal(written.Count, state.Count);
        var processor = (ImageProcessor)model.CreatePreprocessor();
        Assert.Equal((16, 16), (processor.OutputHeight, processor.OutputWidth));
        Assert.Contains("vocab.json", processor.Files.Keys);
        foreach (var tensor in written.Values)
        {
            tensor.Dispose();
        }
    }

    [Theory]
    [InlineData("text_config", "hidden_size", "\"wide\"", "text_config.hidden_size")]
    [InlineData("vision_config", "num_attention_heads", "3", "vision_config.hidden_size")]
    [InlineData("vision_config", "hidden_act", "\"swish\"", "vision_config.hidden_act")]
    [InlineData(null, "projection_dim", "0", "projection_dim")]
    [InlineData(null, "text_config", "[]", "text_config")]
    public void FromDirectory_MalformedConfigField_IsRefusedNamingTheFileAndTheField(string? section, string field, string json, string named)
    {
        TinyClipFolder.Write(_directory);
        var config = TinyClipFolder.Config();
        var target = section is null ? config : config[section]!.AsObject();
        target[field] = JsonNode.Parse(json);
        File.WriteAllText(Path.Combine(_directory, "config.json"), config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDirectory_ConfigWithoutTowerSections_TakesCLIPConfigsDefaults()
    {
        var config = ClipConfig.FromJson(new JsonObject { ["model_type"] = "clip" }, "defaults");

        // openai/clip-vit-base-patch32's shape, as CLIPConfig() builds it.
        Assert.Equal((512, 12, 8, 77, 49407), (config.Text.Encoder.HiddenSize, config.Text.Encoder.NumHiddenLayers, config.Text.Encoder.NumAttentionHeads, config.Text.MaxPositionEmbeddings, config.Text.EosTokenId));
        Assert.Equal((768, 12, 224, 32, 50), (config.Vision.Encoder.HiddenSize, config.Vision.Encoder.NumHiddenLayers, config.Vision.ImageSize, config.Vision.PatchSize, config.Vision.PositionCount));
        Assert.Equal((512, 2.6592), (config.ProjectionDim, config.LogitScaleInitValue));
        Assert.Equal(ClipActivation.QuickGelu, config.Vision.Encoder.HiddenAct);
    }

    [Fact]
    public void FromDirectory_MalformedPreprocessorConfig_IsRefusedAtOpenNamingTheFile()
    {
        TinyClipFolder.Write(_directory);
        File.WriteAllText(Path.Combine(_directory, "preprocessor_config.json"), "{\"size\": {\"shortest_edge\": 16}, \"do_center_crop\": false}");

        var error = Assert.Throws<InvalidDataException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains("preprocessor_config.json", error.Message, StringComparison.Ordinal);
    }
}
