// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;
using Microsoft.ML.Peft.Vision.Backbones.Clip;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.FewShotClassification;

/// <summary>
/// The few-shot classifier (CLIP-SVD's recipe) on tiny backbones: what trains, the head it starts from (class prototypes, or
/// CLIP's prompts checked against CLIPModel's own forward pass), persistence of the prompts, and its option errors.
/// </summary>
public sealed class SvdFewShotClassificationEstimatorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-fewshot-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Fit_TinyCnn_TrainsOnlyTheSingularValuesOfEveryWeightMatrixAndTheHead()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImageRows.Create(16, seed: 2));
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().SvdFewShotClassifier(CnnBackbone(), epochs: 1, batchSize: 8))
            .Fit(data);

        var names = model.LastTransformer.Network.Peft.NamedTrainableParameters().Select(p => Unwrapped(p.Name)).ToList();
        Assert.Contains("cnn.conv1.svd_delta_s.default", names);
        Assert.Contains("cnn.proj.svd_delta_s.default", names);
        Assert.All(names.Where(n => !n.Contains("svd_delta_s", StringComparison.Ordinal)), n => Assert.StartsWith("classifier.", n, StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("classifier.", StringComparison.Ordinal));
        Assert.Equal(
            model.LastTransformer.Network.Peft.NamedTrainableParameters().Sum(p => p.Parameter.numel()),
            model.LastTransformer.TrainingInfo!.TrainableParameters);
    }

    [Fact]
    public void FitWithoutEpochs_ImageOnlyBackbone_PredictsTheScaledCosineToEachClassPrototype()
    {
        var ml = new MLContext(seed: 1);
        var backbone = CnnBackbone();
        var rows = ImageRows.Create(12, seed: 3).ToList();
        var test = ImageRows.Create(6, seed: 4).ToList();
        var options = new SvdFewShotClassifierOptions { Backbone = backbone, Epochs = 0, Augment = false, PrototypeLogitScale = 7 };
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().SvdFewShotClassifier(options))
            .Fit(ml.Data.LoadFromEnumerable(rows));
        var scores = Scores(ml, model.Transform(ml.Data.LoadFromEnumerable(test)));

        // By hand: the normalised mean of each class's normalised features, then softmax(7 · cosine). Class 0 is "red", the first value seen.
        using var scope = NewDisposeScope();
        var vision = backbone.AsVision("test");
        using var encoder = vision.CreateEncoder();
        var processor = vision.CreateProcessor();
        using var noGrad = no_grad();
        var features = nn.functional.normalize(encoder.call(processor.Process(rows.Select(r => ImageRows.Rgb(r.Image)).ToList())), p: 2, dim: 1);
        var prototypes = stack(new[] { "red", "blue" }.Select(label =>
            features.index(tensor(rows.Select((r, i) => (r, i)).Where(x => x.r.Label == label).Select(x => (long)x.i).ToArray())).mean(new long[] { 0 })).ToArray());
        prototypes = nn.functional.normalize(prototypes, p: 2, dim: 1);
        var testFeatures = nn.functional.normalize(encoder.call(processor.Process(test.Select(r => ImageRows.Rgb(r.Image)).ToList())), p: 2, dim: 1);
        var expected = nn.functional.softmax(testFeatures.matmul(prototypes.t()) * 7, 1);

        ModelState.AssertClose(expected, tensor(scores.SelectMany(s => s).ToArray()).view(test.Count, 2), 1e-5, "prototype head");
    }

    [Fact]
    public void FitWithoutEpochs_Clip_PredictsAsCLIPModelOverThePrompts_TrainsOnlyBothTowersSingularValues_AndKeepsThePromptsWhenSaved()
    {
        var ml = new MLContext(seed: 1);
        string folder = TinyClipFolder.Write(Path.Combine(_directory, "clip"));
        var backbone = PretrainedModel.FromDirectory(folder);
        var rows = ImageRows.Create(8, seed: 5).Select(r => new ImageRow { Image = r.Image, Label = r.Label == "red" ? "cat" : "photo" }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new SvdFewShotClassifierOptions { Backbone = backbone, Epochs = 0, PromptTemplate = "a {label}." };
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Append(ml.Peft().SvdFewShotClassifier(options)).Fit(data);
        var scores = Scores(ml, model.Transform(data));

        // CLIPModel.forward over the same prompts: softmax of logits_per_image.
        using var scope = NewDisposeScope();
        var vision = backbone.AsVision("test");
        using var clip = (ClipModel)vision.CreateEncoder();
        var tokenizer = ClipArchitecture.Instance.CreateTokenizer(backbone, clip.Config);
        var prompts = ClipTextInputs.Pad(new[] { "a cat.", "a photo." }.Select(p => tokenizer.Encode(p)).ToList(), tokenizer.Layout.PadId);
        using var noGrad = no_grad();
        var pixels = vision.CreateProcessor().Process(rows.Select(r => ImageRows.Rgb(r.Image)).ToList());
        var expected = nn.functional.softmax(clip.Compare(pixels, prompts.InputIds, prompts.AttentionMask).LogitsPerImage, 1);
        ModelState.AssertClose(expected, tensor(scores.SelectMany(s => s).ToArray()).view(rows.Count, 2), 1e-5, "zero-shot CLIP");

        var trainable = model.LastTransformer.Network.Peft.NamedTrainableParameters();
        Assert.All(trainable, p => Assert.Contains("svd_delta_s", p.Name, StringComparison.Ordinal));
        Assert.Equal(6, trainable.Count(p => Unwrapped(p.Name).StartsWith("text_model.", StringComparison.Ordinal)));
        Assert.Equal(6, trainable.Count(p => Unwrapped(p.Name).StartsWith("vision_model.", StringComparison.Ordinal)));
        Assert.Equal(2 * 6 * 16, trainable.Sum(p => p.Parameter.numel()));

        string path = Path.Combine(_directory, "fewshot.zip");
        ml.Peft().Model.Save(model, data.Schema, path);
        var loaded = ml.Peft().Model.Load(path, out _, backbone);
        try
        {
            Assert.Equal(scores, Scores(ml, loaded.Transform(data)));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void Fit_ClipWithABooleanLabel_IsRefusedNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var backbone = PretrainedModel.FromDirectory(TinyClipFolder.Write(Path.Combine(_directory, "clip")));
        var data = ml.Data.LoadFromEnumerable(ImageRows.CreateBoolean(4, seed: 1));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Peft().SvdFewShotClassifier(backbone, epochs: 1).Fit(data));

        Assert.Contains("'Label'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MapValueToKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TemplateWithoutThePlaceholderOrABadScale_IsRefusedNamingTheOption()
    {
        var ml = new MLContext(seed: 1);
        var backbone = CnnBackbone();

        var template = Assert.Throws<ArgumentException>(() => ml.Peft().SvdFewShotClassifier(new SvdFewShotClassifierOptions { Backbone = backbone, PromptTemplate = "a photo of a cat." }));
        var scale = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Peft().SvdFewShotClassifier(new SvdFewShotClassifierOptions { Backbone = backbone, PrototypeLogitScale = 0 }));

        Assert.Contains("PromptTemplate", template.Message, StringComparison.Ordinal);
        Assert.Contains("{label}", template.Message, StringComparison.Ordinal);
        Assert.Contains("PrototypeLogitScale", scale.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Epochs_ZeroIsOnlyForTheFewShotClassifier_AndNegativeIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var backbone = CnnBackbone();

        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Peft().SvdFewShotClassifier(new SvdFewShotClassifierOptions { Backbone = backbone, Epochs = -1 }));
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Peft().ImageClassifier(new ImageClassifierOptions { Backbone = backbone, Epochs = 0 }));

        Assert.Contains("must be 0 (no training) or more", negative.Message, StringComparison.Ordinal);
        Assert.Contains("`Epochs` must be positive", zero.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_HaveClipSvdsOptimisation()
    {
        var options = new SvdFewShotClassifierOptions();

        Assert.Equal(5e-4, options.LearningRate);
        Assert.Equal(0.01, options.WeightDecay);
        Assert.Equal(LearningRateDecay.Cosine, options.LearningRateDecay);
        Assert.Equal(0, options.WarmupFraction);
        Assert.Null(options.Method);
    }

    // Without PEFT's wrapper prefix, as the model's own modules are named.
    private static string Unwrapped(string name) => name.Replace("base_model.model.", string.Empty, StringComparison.Ordinal);

    private static float[][] Scores(MLContext ml, IDataView scored) =>
        ml.Data.CreateEnumerable<ScoreRow>(scored, reuseRowObject: false).Select(r => r.Score).ToArray();

    private PretrainedModel CnnBackbone() => PretrainedModel.FromDirectory(TinyCnnFolder.Write(Path.Combine(_directory, "cnn-" + Guid.NewGuid().ToString("N"))));

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
