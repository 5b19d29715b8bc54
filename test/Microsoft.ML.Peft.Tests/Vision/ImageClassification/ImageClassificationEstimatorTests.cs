// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.ImageClassification;
using TorchSharp.Modules;

namespace Microsoft.ML.Peft.Tests.Vision.ImageClassification;

public sealed class ImageClassificationEstimatorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-image-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Fit_RedAgainstBlueImages_LearnsThemAndKeepsBatchNormStatistics()
    {
        var backbone = Backbone();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImageRows.Create(64, seed: 2));
        var pipeline = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(new ImageClassifierOptions { Backbone = backbone, Epochs = 4, BatchSize = 16, LearningRate = 2e-2, Augment = false }));

        using var model = (IDisposable)pipeline.Fit(data);
        var transformer = ((TransformerChain<ImageClassificationTransformer>)model).LastTransformer;
        var test = ml.Data.LoadFromEnumerable(ImageRows.Create(32, seed: 9));
        var metrics = ml.MulticlassClassification.Evaluate(((ITransformer)model).Transform(test));

        Assert.True(metrics.MicroAccuracy >= 0.9, $"accuracy {metrics.MicroAccuracy}");
        Assert.Equal(64, transformer.TrainingInfo!.TrainingRows);
        Assert.True(transformer.TrainingInfo.TrainableParameters < transformer.TrainingInfo.TotalParameters);
        using var fresh = (TinyCnnEncoder)backbone.CreateEncoder();
        var trained = ((TinyCnnEncoder)transformer.Network.Network.Encoder).BatchNorm;
        Assert.Equal(fresh.BatchNorm.running_mean!.data<float>().ToArray(), trained.running_mean!.data<float>().ToArray());
        Assert.Equal(fresh.BatchNorm.running_var!.data<float>().ToArray(), trained.running_var!.data<float>().ToArray());
    }

    [Fact]
    public void Transform_ImagesFromLoadImagesAndFromPaths_ScoreAsTheEncodedBytes()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImageRows.Create(12, seed: 4).ToList();
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label))
            .Append(ml.Peft().ImageClassifier(Backbone(), epochs: 1, batchSize: 4))
            .Fit(ml.Data.LoadFromEnumerable(rows));
        var fromBytes = Scores(ml, model.Transform(ml.Data.LoadFromEnumerable(rows)));

        Directory.CreateDirectory(_directory);
        var files = rows.Select((r, i) => new PathRow { ImagePath = Path.Combine(_directory, $"{i}.png"), Label = r.Label }).ToList();
        for (int i = 0; i < rows.Count; i++)
        {
            File.WriteAllBytes(files[i].ImagePath, rows[i].Image);
        }

        var classifier = model.LastTransformer;
        var paths = ml.Data.LoadFromEnumerable(files);
        var byPath = ml.Transforms.CopyColumns("Image", nameof(PathRow.ImagePath)).Fit(paths).Transform(paths);
        var loaded = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(PathRow.ImagePath)).Fit(paths).Transform(paths);

        Assert.Equal(fromBytes, Scores(ml, classifier.Transform(byPath)));
        Assert.Equal(fromBytes, Scores(ml, classifier.Transform(loaded)));
    }

    [Fact]
    public void Fit_CorruptImage_IsRefusedNamingTheRowAndColumn()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImageRows.Create(6, seed: 4).ToList();
        rows[3].Image = new byte[] { 1, 2, 3, 4, 5 };
        var keyed = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));

        var error = Assert.Throws<InvalidDataException>(() => ml.Peft().ImageClassifier(Backbone(), epochs: 1).Fit(keyed));

        Assert.Contains("Row 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Image'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transform_MissingImageFile_IsRefusedNamingThePath()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImageRows.Create(6, seed: 4).ToList();
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Append(ml.Peft().ImageClassifier(Backbone(), epochs: 1)).Fit(ml.Data.LoadFromEnumerable(rows));
        var missing = ml.Data.LoadFromEnumerable(new[] { new TextImageRow { Image = Path.Combine(_directory, "nowhere.png") } });

        var error = Assert.Throws<InvalidDataException>(() => Scores(ml, model.LastTransformer.Transform(missing)));

        Assert.Contains("nowhere.png", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TextBackboneOrTextOptions_AreRefusedBeforeAnyData()
    {
        var ml = new MLContext(seed: 1);
        var text = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "bert")));

        var modality = Assert.Throws<ArgumentException>(() => ml.Peft().ImageClassifier(text));
        var length = Assert.Throws<ArgumentException>(() => ml.Peft().ImageClassifier(new ImageClassifierOptions { Backbone = Backbone(), MaxSequenceLength = 32 }));

        Assert.Contains("vision backbone", modality.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSequenceLength", length.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_FolderWithoutPreprocessorConfig_UsesTheArchitecturesDefaultProcessing()
    {
        var backbone = PretrainedModel.FromDirectory(TinyCnnFolder.Write(Path.Combine(_directory, "bare"), writeProcessor: false));
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 2));

        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Append(ml.Peft().ImageClassifier(backbone, epochs: 1)).Fit(data);

        Assert.Equal(TinyCnnArchitecture.Instance.DefaultProcessorConfig, model.LastTransformer.Network.Processor.Config);
    }

    [Fact]
    public void SaveAdapter_WritesLoraOnTheTargetsAndTheHeadInModulesToSave()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImageRows.Create(8, seed: 2));
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Append(ml.Peft().ImageClassifier(Backbone(), epochs: 1)).Fit(data);
        string folder = Path.Combine(_directory, "adapter");

        model.LastTransformer.SaveAdapter(folder);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!;
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
        Assert.Equal(new[] { "proj" }, config["target_modules"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Contains("classifier", config["modules_to_save"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Null(config["task_type"]?.GetValue<string>());
    }

    [Fact]
    public void ModelLoad_PipelineWithLoadImages_ReadsTheFilesAgainAndScoresAlike()
    {
        var ml = new MLContext(seed: 1);
        Directory.CreateDirectory(_directory);
        var files = ImageRows.Create(12, seed: 5).Select((r, i) =>
        {
            File.WriteAllBytes(Path.Combine(_directory, $"{i}.png"), r.Image);
            return new PathRow { ImagePath = $"{i}.png", Label = r.Label };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(files);
        var backbone = Backbone();
        using var model = ml.Transforms.Conversion.MapValueToKey(nameof(PathRow.Label))
            .Append(ml.Transforms.LoadImages("Image", _directory, nameof(PathRow.ImagePath)))
            .Append(ml.Peft().ImageClassifier(backbone, epochs: 1, batchSize: 4))
            .Fit(data);
        string path = Path.Combine(_directory, "pipeline.zip");

        ml.Peft().Model.Save(model, data.Schema, path);
        var loaded = ml.Peft().Model.Load(path, out var schema, backbone);

        Assert.Equal(data.Schema.Select(c => c.Name), schema.Select(c => c.Name));
        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        Assert.Contains(chain, t => t is Microsoft.ML.Data.ImageLoadingTransformer);
        Assert.Equal(Scores(ml, model.Transform(data)), Scores(ml, loaded.Transform(data)));
        ((IDisposable)loaded).Dispose();
    }

    private PretrainedModel Backbone() => PretrainedModel.FromDirectory(TinyCnnFolder.Write(Path.Combine(_directory, "cnn-" + Guid.NewGuid().ToString("N"))));

    private static float[][] Scores(MLContext ml, IDataView scored) =>
        ml.Data.CreateEnumerable<ScoreRow>(scored, reuseRowObject: false).Select(r => r.Score).ToArray();

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = string.Empty;

        public string Label { get; set; } = string.Empty;
    }

    private sealed class TextImageRow
    {
        public string Image { get; set; } = string.Empty;
    }
}
