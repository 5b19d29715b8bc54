// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.Clip;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

/// <summary>
/// The tiny random <c>CLIPModel</c> of <c>peft-interop/vision/tiny-clip</c> (transformers 5.17) opened through
/// <see cref="PretrainedModel.FromDirectory"/>, against the outputs transformers computed from the same pixel values and ids.
/// </summary>
public sealed class ClipFixtureParityTests
{
    private const string Folder = "peft-interop/vision/tiny-clip";
    private const string Expected = Folder + "/expected.json";
    private const double Tolerance = 1e-5;

    private readonly ITestOutputHelper _output;

    public ClipFixtureParityTests(ITestOutputHelper output) => _output = output;

    [SharedFixtureFact(Expected)]
    public void CLIPModel_FixturePixelsAndIds_ReproduceImageEmbedsTextEmbedsAndLogitsPerImage()
    {
        var expected = ReadExpected();
        var backbone = PretrainedModel.FromDirectory(SharedFixtures.Path(Folder.Split('/')));
        using var model = (ClipModel)backbone.CreateEncoder();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var pixels = FixtureJson.Tensor(expected["pixel_values"]!, ScalarType.Float32);
        var ids = FixtureJson.Tensor(expected["input_ids"]!, ScalarType.Int64);

        var output = model.Compare(pixels, ids, ones_like(ids));

        Assert.Equal(999, expected["eos_token_id"]!.GetValue<int>());
        AssertClose(expected["image_embeds"]!, output.ImageEmbeds, "image_embeds");
        AssertClose(expected["text_embeds"]!, output.TextEmbeds, "text_embeds");
        AssertClose(expected["logits_per_image"]!, output.LogitsPerImage, "logits_per_image");
    }

    [SharedFixtureFact(Expected)]
    public void CLIPModel_FixtureIds_PoolAtTheFirstEndOfTextToken()
    {
        var backbone = PretrainedModel.FromDirectory(SharedFixtures.Path(Folder.Split('/')));
        using var model = (ClipModel)backbone.CreateEncoder();
        using var scope = NewDisposeScope();
        var ids = FixtureJson.Tensor(ReadExpected()["input_ids"]!, ScalarType.Int64);

        // Row 0 ends "999, 1, 1" (padding after the end-of-text token), row 1 has it last.
        Assert.Equal(new long[] { 3, 5 }, model.TextModel.PooledPositions(ids).data<long>().ToArray());
    }

    [SharedFixtureFact(Folder + "/model.safetensors")]
    public void ClipModel_StateDict_HasExactlyTheFixturesCheckpointKeysAndShapes()
    {
        var checkpoint = SafeTensorsFile.Read(SharedFixtures.Path((Folder + "/model.safetensors").Split('/')));
        var backbone = PretrainedModel.FromDirectory(SharedFixtures.Path(Folder.Split('/')));
        using var model = (ClipModel)backbone.CreateEncoder();
        try
        {
            var state = model.state_dict();
            Assert.Equal(checkpoint.Keys.OrderBy(k => k, StringComparer.Ordinal), state.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.All(checkpoint, p => Assert.Equal(p.Value.shape, state[p.Key].shape));
        }
        finally
        {
            foreach (var tensor in checkpoint.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [SharedFixtureFact(Folder + "/config.json")]
    public void FromDirectory_FixtureWithoutPreprocessorConfig_UsesCLIPImageProcessorDefaults()
    {
        var backbone = PretrainedModel.FromDirectory(SharedFixtures.Path(Folder.Split('/')));
        var processor = (ImageProcessor)backbone.CreatePreprocessor();

        // CLIPImageProcessor(): shortest edge 224 (bicubic), center crop 224, 1/255, OpenAI's mean and std. The fixture's
        // model reads 32-pixel images, so a folder without the file cannot classify images until one is written.
        Assert.Equal(224, processor.Config.ShortestEdge);
        Assert.Equal((224, 224), (processor.OutputHeight, processor.OutputWidth));
        Assert.Equal(ImageProcessorConfig.Bicubic, processor.Config.Resample);
        Assert.Equal(new[] { 0.48145466, 0.4578275, 0.40821073 }, processor.Config.Mean);
        Assert.Equal(new[] { 0.26862954, 0.26130258, 0.27577711 }, processor.Config.Std);
        Assert.Equal("clip", backbone.ModelType);
        Assert.Equal("vision", backbone.Modality);
    }

    private static JsonObject ReadExpected() =>
        JsonNode.Parse(File.ReadAllText(SharedFixtures.Path(Expected.Split('/'))))!.AsObject();

    private static IEnumerable<double> Flatten(JsonNode node) =>
        node is JsonArray array ? array.SelectMany(n => Flatten(n!)) : new[] { node.GetValue<double>() };

    private void AssertClose(JsonNode expected, Tensor actual, string name)
    {
        var want = Flatten(expected).ToArray();
        var got = actual.data<float>().ToArray();
        Assert.Equal(want.Length, got.Length);
        double worst = want.Zip(got, (e, a) => Math.Abs(e - a)).Max();
        _output.WriteLine($"{name}: largest difference {worst:E2}");
        Assert.True(worst <= Tolerance, $"{name}: largest difference {worst:E2} over {Tolerance:E0}");
    }
}
