// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tests.Backbones.TinyVision;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones;

/// <summary>
/// A backbone of another modality, registered from outside the library, goes through the same <see cref="PretrainedModel"/>:
/// opened from its folder, fingerprinted, and refused by the text estimators with a message that says why.
/// </summary>
public sealed class NonTextBackboneTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-vision-" + Guid.NewGuid().ToString("N"));

    public NonTextBackboneTests()
    {
        Directory.CreateDirectory(_directory);
        TinyVisionArchitecture.Register();
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("tiny_vision.")]
    public void FromDirectory_TinyVisionFolder_OpensWithItsShapeWeightsAndPreprocessor(string checkpointPrefix)
    {
        using var scope = NewDisposeScope();
        string folder = TinyVisionFolder.Write(Path.Combine(_directory, "model"), checkpointPrefix: checkpointPrefix);

        var model = PretrainedModel.FromDirectory(folder);

        Assert.Equal(("tiny-vision", "vision"), (model.ModelType, model.Modality));
        Assert.Equal((8, 2, 5), (model.HiddenSize, model.LayerCount, model.MaxSequenceLength));
        Assert.Equal(folder, model.Source);
        var processor = Assert.IsType<TinyImageProcessor>(model.CreatePreprocessor());
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, processor.Mean);
        Assert.Contains(TinyImageProcessor.FileName, processor.Files.Keys);

        using var encoder = Assert.IsType<TinyVisionModel>(model.CreateEncoder());
        Assert.False(encoder.training);
        Assert.Equal(
            new[] { "cls_token", "layer.0.bias", "layer.0.weight", "layer.1.bias", "layer.1.weight", "layernorm.bias", "layernorm.weight", "patch_embedding.bias", "patch_embedding.weight", "position_embeddings" },
            encoder.state_dict().Keys.Order(StringComparer.Ordinal));
        AssertSameWeights(WrittenWeights(), encoder);
        using var noGrad = no_grad();
        Assert.Equal(new long[] { 2, 5, 8 }, encoder.call(zeros(2, 3, 8, 8)).shape);
    }

    [Fact]
    public void FromDirectory_NoPreprocessorFile_NamesItAndTheImageProcessor()
    {
        string folder = TinyVisionFolder.Write(Path.Combine(_directory, "model"));
        File.Delete(Path.Combine(folder, TinyImageProcessor.FileName));

        var error = Assert.Throws<FileNotFoundException>(() => PretrainedModel.FromDirectory(folder));

        Assert.Contains("preprocessor_config.json", error.Message);
        Assert.Contains("tiny-vision image processor", error.Message);
        Assert.Equal(Path.Combine(folder, TinyImageProcessor.FileName), error.FileName);
    }

    [Fact]
    public void FromDirectory_MalformedPreprocessorFile_FailsWhenOpened()
    {
        string folder = TinyVisionFolder.Write(Path.Combine(_directory, "model"));
        File.WriteAllText(Path.Combine(folder, TinyImageProcessor.FileName), "{\"image_mean\": [0.5]}");

        var error = Assert.Throws<InvalidDataException>(() => PretrainedModel.FromDirectory(folder));

        Assert.Contains("image_std", error.Message);
    }

    [Fact]
    public void Fingerprint_IsStableAcrossOpensAndCheckpointPrefixes_AndChangesWithTheWeights()
    {
        string plain = TinyVisionFolder.Write(Path.Combine(_directory, "plain"));
        string prefixed = TinyVisionFolder.Write(Path.Combine(_directory, "prefixed"), checkpointPrefix: "tiny_vision.");
        string other = TinyVisionFolder.Write(Path.Combine(_directory, "other"), seed: 6);

        string fingerprint = PretrainedModel.FromDirectory(plain).GetFingerprint();

        Assert.Matches("^[0-9a-f]{64}$", fingerprint);
        Assert.Equal(fingerprint, PretrainedModel.FromDirectory(plain).GetFingerprint());
        Assert.Equal(fingerprint, PretrainedModel.FromDirectory(prefixed).GetFingerprint());
        Assert.NotEqual(fingerprint, PretrainedModel.FromDirectory(other).GetFingerprint());
    }

    [Fact]
    public void TextEstimators_VisionBackbone_AreRefusedNamingTheEstimatorAndTheModelType()
    {
        string folder = TinyVisionFolder.Write(Path.Combine(_directory, "model"));
        var vision = PretrainedModel.FromDirectory(folder);
        var ml = new MLContext(seed: 1);

        var classifier = Assert.Throws<ArgumentException>(() => ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = vision }));
        var recognizer = Assert.Throws<ArgumentException>(() => ml.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions { Backbone = vision }));

        Assert.Equal($"LoraTextClassifier needs a text backbone; '{folder}' is model_type tiny-vision (vision).", classifier.Message);
        Assert.Equal($"LoraNamedEntityRecognizer needs a text backbone; '{folder}' is model_type tiny-vision (vision).", recognizer.Message);
    }

    [Fact]
    public void AsText_TextBackbone_GivesItsTextParts()
    {
        var bert = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "bert")));

        var text = bert.AsText("test");

        Assert.Equal("text", bert.Modality);
        Assert.Same(bert, text.Model);
        Assert.Same(bert.Architecture, text.Architecture);
    }

    private static Dictionary<string, Tensor> WrittenWeights()
    {
        manual_seed(5);
        using var model = new TinyVisionModel(TinyVisionFolder.Config);
        return model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
    }

    private static void AssertSameWeights(Dictionary<string, Tensor> expected, TorchSharp.torch.nn.Module actual)
    {
        foreach (var (name, tensor) in actual.state_dict())
        {
            Assert.True(ModelState.Identical(expected[name], tensor), $"{name} differs from the written weights");
        }
    }
}
