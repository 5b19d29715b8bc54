// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

/// <summary>The NER estimator end to end on a tiny random BERT: learning, windows, prediction paths, persistence, export, bad input.</summary>
public sealed class LoraNamedEntityRecognitionEstimatorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-ner-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public LoraNamedEntityRecognitionEstimatorTests()
    {
        _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Fit_ToyTagging_LearnsTagsAndMapsThemBackToText()
    {
        var (model, data) = Fit(epochs: 15);
        using var tagger = model.LastTransformer;
        var holdout = TaggedSentences.Create(60, seed: 42);

        var predicted = PredictedText(model, data, holdout);

        double accuracy = holdout.Zip(predicted).Sum(p => p.First.Tags.Zip(p.Second).Count(t => t.First == t.Second)) / (double)holdout.Sum(s => s.Tags.Length);
        Assert.True(accuracy >= 0.9, $"word accuracy {accuracy:F3}");
        Assert.Equal(holdout.Select(s => s.Tokens.Length), predicted.Select(p => p.Length));
        var info = tagger.TrainingInfo!;
        Assert.Equal(120, info.TrainingSentences);
        Assert.Equal(120, info.TrainingWindows);
        // LoRA r16 on query, key and value of 2 layers (2·3·16·(32+32)) plus the head (32·6+6: O, B-POS, B-NEG, I-NEG and more).
        Assert.Equal((2 * 3 * 16 * (32 + 32)) + (32 * tagger.TagCount) + tagger.TagCount, info.TrainableParameters);
    }

    [Fact]
    public void Fit_SentencesLongerThanTheWindow_AreSplitAndEveryWordIsTagged()
    {
        var sentences = TaggedSentences.Create(40, seed: 3, minWords: 12, maxWords: 20);
        var (model, data) = Fit(epochs: 1, sentences, maxSequenceLength: 10);
        using var tagger = model.LastTransformer;

        Assert.True(tagger.TrainingInfo!.TrainingWindows > 40, $"{tagger.TrainingInfo.TrainingWindows} windows");
        var tags = model.Transform(data).GetColumn<VBuffer<uint>>("PredictedTags").Select(v => v.Length).ToList();
        Assert.Equal(sentences.Select(s => s.Tokens.Length), tags);
    }

    [Fact]
    public void PredictionEngine_SaveAndLoad_GiveTheSameTags()
    {
        var (model, data) = Fit(epochs: 3);
        using var tagger = model.LastTransformer;
        var pipeline = new TransformerChain<ITransformer>(model, _ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedTags").Fit(model.Transform(data)));
        var holdout = TaggedSentences.Create(20, seed: 9);
        var batch = _ml.Data.CreateEnumerable<Prediction>(pipeline.Transform(_ml.Data.LoadFromEnumerable(holdout)), reuseRowObject: false).Select(p => p.PredictedText).ToList();

        var engine = _ml.Model.CreatePredictionEngine<TaggedSentence, Prediction>(pipeline);
        Assert.Equal(batch, holdout.Select(s => engine.Predict(s).PredictedText));

        string path = Path.Combine(_directory, "ner.zip");
        _ml.Peft().Model.Save(pipeline, data.Schema, path);
        var loaded = (TransformerChain<ITransformer>)_ml.Peft().Model.Load(path, out _);
        using var reloaded = (LoraNamedEntityRecognitionTransformer)loaded.First(t => t is LoraNamedEntityRecognitionTransformer);
        Assert.Equal(batch, _ml.Data.CreateEnumerable<Prediction>(loaded.Transform(_ml.Data.LoadFromEnumerable(holdout)), reuseRowObject: false).Select(p => p.PredictedText));
    }

    [Fact]
    public void SaveAdapter_UsesBertForTokenClassificationKeyNames()
    {
        var (model, _) = Fit(epochs: 1);
        using var tagger = model.LastTransformer;
        string folder = Path.Combine(_directory, "adapter");

        tagger.SaveAdapter(folder);

        using var scope = NewDisposeScope();
        var keys = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName)).Keys.ToList();
        Assert.Contains("base_model.model.bert.encoder.layer.0.attention.self.key.lora_A.weight", keys);
        Assert.Contains("base_model.model.classifier.weight", keys);
        Assert.DoesNotContain(keys, k => k.Contains("pooler", StringComparison.Ordinal));
        Assert.Equal((2 * 3 * 2) + 2, keys.Count);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal("TOKEN_CLS", config["task_type"]!.GetValue<string>());
        Assert.Equal(16, config["r"]!.GetValue<int>());
    }

    [Fact]
    public void Fit_WithDomainAdaptation_PretrainsTheAdapterWithMaskedLanguageModelingFirst()
    {
        var unlabelled = _ml.Data.LoadFromEnumerable(TaggedSentences.Create(64, seed: 11).Select(s => new TextRow { Text = string.Join(' ', s.Tokens) }));
        var data = _ml.Data.LoadFromEnumerable(TaggedSentences.Create(32, seed: 3));
        var estimator = _ml.Transforms.Conversion.MapValueToKey("Tags").Append(_ml.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions
        {
            Backbone = _backbone,
            Epochs = 1,
            DomainAdaptationSet = unlabelled,
            DomainAdaptationEpochs = 2,
        }));
        var logs = new List<string>();
        _ml.Log += (_, e) => logs.Add(e.RawMessage);

        var model = estimator.Fit(data);
        using var tagger = model.LastTransformer;

        Assert.True(tagger.TrainingInfo!.DomainAdaptationLoss is > 0 and < 20, $"MLM loss {tagger.TrainingInfo.DomainAdaptationLoss}");
        Assert.Contains(logs, l => l.StartsWith("Started the tagging adapter from domain-adaptive pre-training (12 tensors)", StringComparison.Ordinal));
    }

    [Fact]
    public void Fit_BadInput_NamesTheRowAndTheFix()
    {
        var keyMap = _ml.Transforms.Conversion.MapValueToKey("Tags").Fit(_ml.Data.LoadFromEnumerable(TaggedSentences.Create(30, seed: 1)));
        var estimator = _ml.Peft().LoraNamedEntityRecognizer(_backbone, epochs: 1);
        Exception FitOn(params TaggedSentence[] rows) => Record.Exception(() => estimator.Fit(keyMap.Transform(_ml.Data.LoadFromEnumerable(rows))))!;
        var good = new TaggedSentence { Tokens = new[] { "the", "movie", "is", "good" }, Tags = new[] { "O", "O", "O", "B-POS" } };

        Assert.Contains("has 3 tokens in 'Tokens' but 2 tags", FitOn(good, new TaggedSentence { Tokens = new[] { "it", "is", "bad" }, Tags = new[] { "O", "O" } }).Message);
        Assert.Contains("unknown tag at token 2 (\"bad\")", FitOn(good, new TaggedSentence { Tokens = new[] { "it", "is", "bad" }, Tags = new[] { "O", "O", "B-BAD" } }).Message);
        Assert.Contains("Row 1 of the training data has no tokens", FitOn(good, new TaggedSentence()).Message);
        Assert.Contains("has no rows", FitOn().Message);

        var notKeyed = _ml.Data.LoadFromEnumerable(new[] { good });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(notKeyed));
        Assert.Contains("MapValueToKey", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapes.Of(notKeyed.Schema)));
    }

    private (TransformerChain<LoraNamedEntityRecognitionTransformer> Model, IDataView Data) Fit(int epochs, List<TaggedSentence>? sentences = null, int? maxSequenceLength = null)
    {
        var data = _ml.Data.LoadFromEnumerable(sentences ?? TaggedSentences.Create(120, seed: 3));
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Tags").Append(_ml.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions
        {
            Backbone = _backbone,
            Epochs = epochs,
            LearningRate = 1e-2,
            MaxSequenceLength = maxSequenceLength,
        }));
        return (pipeline.Fit(data), data);
    }

    private List<string[]> PredictedText(TransformerChain<LoraNamedEntityRecognitionTransformer> model, IDataView data, List<TaggedSentence> sentences)
    {
        var toText = _ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedTags").Fit(model.Transform(data));
        var scored = toText.Transform(model.Transform(_ml.Data.LoadFromEnumerable(sentences)));
        return _ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).Select(p => p.PredictedText).ToList();
    }

    private sealed class TextRow
    {
        public string Text { get; set; } = string.Empty;
    }

    private sealed class Prediction
    {
        public string[] PredictedText { get; set; } = Array.Empty<string>();
    }
}
