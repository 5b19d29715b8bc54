// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Text.TextClassification;

/// <summary>The text classifier end to end on a tiny random BERT: schema contract, learning, prediction paths, persistence, bad input.</summary>
public sealed class LoraTextClassificationEstimatorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-textcls-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public LoraTextClassificationEstimatorTests()
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
    public void Fit_ToySentiment_LearnsTheTaskAndReportsTraining()
    {
        var (model, data) = FitToy(epochs: 20);
        using var _ = (IDisposable)model.LastTransformer;

        var metrics = _ml.MulticlassClassification.Evaluate(model.Transform(Holdout()), labelColumnName: "Label", scoreColumnName: "Score", predictedLabelColumnName: "PredictedLabel");
        Assert.True(metrics.MicroAccuracy >= 0.9, $"held-out accuracy {metrics.MicroAccuracy:F3}");

        var info = Classifier(model).TrainingInfo!;
        Assert.Equal(160, info.TrainingRows);
        Assert.Equal(0, info.TruncatedTrainingRows);
        Assert.Equal(20 * 5, info.Steps);
        // LoRA r8 on query and value of 2 layers (2·2·8·(32+32)) plus the classifier head (32·2+2).
        Assert.Equal((2 * 2 * 8 * (32 + 32)) + (32 * 2) + 2, info.TrainableParameters);
    }

    [Fact]
    public void GetOutputSchema_EstimatorAndTransformer_Agree()
    {
        var data = ToyData(64);
        var estimator = Estimator(epochs: 1);
        var mapped = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var shape = estimator.GetOutputSchema(SchemaShapes.Of(mapped.Schema));
        using var transformer = estimator.Fit(mapped);
        var schema = transformer.GetOutputSchema(mapped.Schema);

        foreach (var name in new[] { "Score", "PredictedLabel" })
        {
            var expected = Assert.Single(shape, c => c.Name == name);
            var actual = schema[name];
            Assert.Equal(expected.Kind == SchemaShape.Column.VectorKind.Scalar, actual.Type is not VectorDataViewType);
            Assert.Equal(expected.IsKey, actual.Type is KeyDataViewType);
            Assert.Equal(expected.ItemType.RawType, ((actual.Type as VectorDataViewType)?.ItemType ?? actual.Type).RawType);
            Assert.Equal(
                expected.Annotations.Select(a => a.Name).Order(),
                actual.Annotations.Schema.Select(a => a.Name).Where(n => expected.Annotations.Any(a => a.Name == n)).Order());
        }

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 2), schema["Score"].Type);
        Assert.Equal(new KeyDataViewType(typeof(uint), 2), schema["PredictedLabel"].Type);
        Assert.Equal(schema.Count, transformer.Transform(mapped).Schema.Count);
    }

    [Fact]
    public void PredictionEngine_And_Transform_GiveTheSameScoresAndMapBackToLabelText()
    {
        var (model, data) = FitToy(epochs: 20);
        using var _ = (IDisposable)model.LastTransformer;
        var withText = WithPredictedText(model, data);
        var rows = SentimentRows.Create(40, seed: 99);
        var batch = _ml.Data.CreateEnumerable<Prediction>(withText.Transform(_ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList();
        var engine = _ml.Model.CreatePredictionEngine<SentimentRow, Prediction>(withText);

        for (int i = 0; i < rows.Count; i++)
        {
            var single = engine.Predict(rows[i]);
            Assert.Equal(batch[i].PredictedText, single.PredictedText);
            Assert.Equal(batch[i].Score, single.Score, new FloatTolerance(1e-5f));
            Assert.Contains(single.PredictedText, new[] { "positive", "negative" });
            Assert.Equal(1f, single.Score.Sum(), 1e-5f);
        }

        Assert.True(batch.Count(b => b.PredictedText == rows[batch.IndexOf(b)].Label) >= 36);
    }

    [Fact]
    public void SaveAndLoad_WholePipeline_PredictsIdentically()
    {
        var (model, data) = FitToy(epochs: 2);
        using var _ = (IDisposable)model.LastTransformer;
        var pipeline = WithPredictedText(model, data);
        string path = Path.Combine(_directory, "model.zip");

        _ml.Peft().Model.Save(pipeline, data.Schema, path);
        var loaded = _ml.Peft().Model.Load(path, out var schema);

        Assert.Equal(data.Schema.Select(c => (c.Name, c.Type)), schema.Select(c => (c.Name, c.Type)));
        var holdout = Holdout();
        var before = _ml.Data.CreateEnumerable<Prediction>(pipeline.Transform(holdout), reuseRowObject: false).ToList();
        var after = _ml.Data.CreateEnumerable<Prediction>(loaded.Transform(holdout), reuseRowObject: false).ToList();
        Assert.Equal(before.Select(p => p.PredictedText), after.Select(p => p.PredictedText));
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].Score, after[i].Score);
        }

        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        ((IDisposable)((TransformerChain<ITransformer>)loaded).First(t => t is LoraTextClassificationTransformer)).Dispose();
    }

    [Fact]
    public void Save_AdapterExport_UsesBertForSequenceClassificationKeyNames()
    {
        var (model, _) = FitToy(epochs: 1);
        using var classifier = Classifier(model);
        string folder = Path.Combine(_directory, "adapter");

        classifier.SaveAdapter(folder);

        using var scope = NewDisposeScope();
        var keys = Microsoft.ML.Peft.Formats.SafeTensors.SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName)).Keys.Order().ToList();
        Assert.Contains("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight", keys);
        Assert.Contains("base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight", keys);
        Assert.Contains("base_model.model.classifier.weight", keys);
        Assert.Contains("base_model.model.classifier.bias", keys);
        Assert.Equal(2 * 2 * 2 + 2, keys.Count);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal("SEQ_CLS", config["task_type"]!.GetValue<string>());
        Assert.Equal(new[] { "classifier", "score" }, config["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Fit_WithSentencePairsAndDora_Trains()
    {
        var rows = SentimentRows.Create(48, seed: 5).Select(r => new PairRow { Text = r.Text, Other = "the day was fine", Label = r.Label }).ToList();
        var data = _ml.Data.LoadFromEnumerable(rows);
        var estimator = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            SecondTextColumnName = nameof(PairRow.Other),
            Method = new LoraConfig { Rank = 4, Alpha = 8, UseDora = true },
            Epochs = 1,
            BatchSize = 16,
        }));

        var model = estimator.Fit(data);
        using var _ = model.LastTransformer;
        Assert.Equal(48, model.Transform(data).GetColumn<uint>("PredictedLabel").Count());
        Assert.Equal(3, model.LastTransformer.TrainingInfo!.Steps);
    }

    [Fact]
    public void Fit_LabelNotKey_NamesTheColumnAndTheFix()
    {
        var data = ToyData(8);
        var estimator = Estimator(epochs: 1);

        var fromShape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapes.Of(data.Schema)));
        var fromFit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        foreach (var error in new[] { fromShape, fromFit })
        {
            Assert.Contains("label column 'Label'", error.Message);
            Assert.Contains("MapValueToKey", error.Message);
        }
    }

    [Theory]
    [InlineData("Missing", "Text column 'Missing' not found")]
    [InlineData("Number", "expected String, got Single")]
    public void Fit_BadTextColumn_NamesIt(string column, string expected)
    {
        var data = _ml.Data.LoadFromEnumerable(new[] { new NumberRow { Text = "good", Number = 1, Label = "positive" } });
        var keyed = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var estimator = _ml.Peft().LoraTextClassifier(_backbone, textColumnName: column, epochs: 1);

        Assert.Contains(expected, Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapes.Of(keyed.Schema))).Message);
        Assert.Contains(expected, Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(keyed)).Message);
    }

    [Fact]
    public void Fit_EmptyData_EmptyText_UnknownLabel_AreRefusedWithTheRow()
    {
        var keyMap = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(ToyData(16));
        var estimator = Estimator(epochs: 1);

        var empty = keyMap.Transform(_ml.Data.LoadFromEnumerable(new List<SentimentRow>()));
        Assert.Contains("has no rows", Assert.Throws<InvalidOperationException>(() => estimator.Fit(empty)).Message);

        var blank = keyMap.Transform(_ml.Data.LoadFromEnumerable(new[] { Row("the movie is good", "positive"), Row("  ", "negative") }));
        Assert.Contains("Row 1 of the training data has an empty text in column 'Text'", Assert.Throws<InvalidOperationException>(() => estimator.Fit(blank)).Message);

        var unknown = keyMap.Transform(_ml.Data.LoadFromEnumerable(new[] { Row("the movie is good", "positive"), Row("the movie is bad", "neutral") }));
        Assert.Contains("Row 1 of the training data has a missing value in label column 'Label'", Assert.Throws<InvalidOperationException>(() => estimator.Fit(unknown)).Message);
    }

    [Fact]
    public void Fit_EmptyDataThroughMapValueToKey_SaysThereAreNoRows()
    {
        // MapValueToKey fitted on no rows makes a key column of its own; the message must name the cause, not the key.
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Label").Append(Estimator(epochs: 1));

        var error = Assert.Throws<InvalidOperationException>(() => pipeline.Fit(_ml.Data.LoadFromEnumerable(new List<SentimentRow>())));

        Assert.Contains("The training data has no rows", error.Message);
    }

    [Fact]
    public void Fit_RawValidationSet_SaysItMustGoThroughTheUpstreamTransforms()
    {
        var data = ToyData(16);
        var keyMap = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        var raw = _ml.Data.LoadFromEnumerable(SentimentRows.Create(8, seed: 5).Select(r => new TextOnlyRow { Text = r.Text }));
        var estimator = _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, Epochs = 1, ValidationSet = raw });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(keyMap.Transform(data)));

        Assert.StartsWith("ValidationSet: ", error.Message);
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("upstream.Transform(validationData)", error.Message);
    }

    [Fact]
    public void Options_BadValues_NameTheOption()
    {
        Assert.Contains("Backbone", Assert.Throws<ArgumentNullException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions())).Message);
        Assert.Contains("`BatchSize` must be positive, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, BatchSize = 0 })).Message);
        Assert.Contains("`MaxSequenceLength`", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, MaxSequenceLength = 4096 })).Message);
        Assert.Contains("ValidationSet", Assert.Throws<ArgumentException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, EarlyStoppingPatience = 1 })).Message);
    }

    [Fact]
    public void Load_NotAPipelineOrDamaged_IsRefusedWithTheFile()
    {
        string garbage = Path.Combine(_directory, "garbage.zip");
        File.WriteAllBytes(garbage, new byte[] { 1, 2, 3, 4, 5 });
        Assert.Contains("garbage.zip", Assert.Throws<InvalidDataException>(() => _ml.Peft().Model.Load(garbage, out _)).Message);

        string mlnet = Path.Combine(_directory, "mlnet.zip");
        var data = ToyData(4);
        _ml.Model.Save(_ml.Transforms.Conversion.MapValueToKey("Label").Fit(data), data.Schema, mlnet);
        Assert.Contains("mlContext.Model.Load", Assert.Throws<InvalidDataException>(() => _ml.Peft().Model.Load(mlnet, out _)).Message);
    }

    [Fact]
    public void Fit_RowsLongerThanTheMaximum_AreTruncatedCountedAndStillScored()
    {
        string longText = string.Join(' ', Enumerable.Repeat("the movie is very good and", 40));
        var rows = SentimentRows.Create(31, seed: 3).Append(Row(longText, "positive")).ToList();
        var model = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Epochs = 1,
            MaxSequenceLength = 8,
        })).Fit(_ml.Data.LoadFromEnumerable(rows));
        using var classifier = Classifier(model);

        Assert.Equal(8, classifier.Network.Tokenizer.MaxLength);
        Assert.Equal(1, classifier.TrainingInfo!.TruncatedTrainingRows);
        var view = model.Transform(_ml.Data.LoadFromEnumerable(new[] { Row(longText, "positive") }));
        Assert.Single(view.GetColumn<VBuffer<float>>("Score"));
    }

    [Fact]
    public void Fit_WithValidationSetAndEarlyStopping_ReportsAccuracyPerEpochAndProgress()
    {
        var data = ToyData(96);
        var keyMap = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        var reports = new RecordingProgress();
        var estimator = _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Epochs = 4,
            LearningRate = 1e-2,
            ValidationSet = keyMap.Transform(Holdout()),
            EarlyStoppingPatience = 10,
            Progress = reports,
        });

        using var classifier = estimator.Fit(keyMap.Transform(data));

        var info = classifier.TrainingInfo!;
        Assert.Equal(4, info.ValidationAccuracy.Count);
        Assert.All(info.ValidationAccuracy, a => Assert.InRange(a, 0, 1));
        Assert.Equal(4, reports.Reports.Count(r => r.IsEpochEnd && r.ValidationMetricName == "accuracy"));
        Assert.Contains(reports.Reports, r => !r.IsEpochEnd && r.RowsPerSecond > 0);
    }

    [Fact]
    public void Fit_WithValidationSet_ValidationLossIsTheCrossEntropyOfTheScores()
    {
        var data = ToyData(96);
        var keyMap = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        var validation = keyMap.Transform(Holdout());
        var estimator = _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Epochs = 2,
            LearningRate = 1e-2,
            ValidationSet = validation,
            MergeAdapterForPrediction = false,
        });

        using var classifier = estimator.Fit(keyMap.Transform(data));

        var info = classifier.TrainingInfo!;
        Assert.Equal(2, info.ValidationLoss.Count);
        var scores = classifier.Transform(validation).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var labels = validation.GetColumn<uint>("Label").Select(k => (int)k - 1).ToArray();
        double crossEntropy = scores.Select((p, i) => -Math.Log(p[labels[i]])).Average();
        Assert.Equal(crossEntropy, info.ValidationLoss[^1], 4);
    }

    [Fact]
    public void Fit_EarlyStoppingOnLossWithMinEpochs_NeverKeepsAnEpochBeforeTheMinimum()
    {
        var data = ToyData(96);
        var keyMap = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        var log = new List<string>();
        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) => log.Add(e.Message);
        // A learning rate of 0 leaves every epoch alike, so the first monitored epoch is the best and patience ends the run there.
        var estimator = ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Epochs = 5,
            LearningRate = 1e-12,
            ValidationSet = keyMap.Transform(Holdout()),
            EarlyStoppingPatience = 1,
            EarlyStoppingMinEpochs = 2,
            EarlyStoppingMinDelta = 1e-3,
        });

        using var classifier = estimator.Fit(keyMap.Transform(data));

        var info = classifier.TrainingInfo!;
        Assert.Equal(2, info.BestEpoch);
        Assert.Equal(3, info.EpochsRun);
        Assert.True(info.StoppedEarly);
        Assert.Contains(log, line => line.Contains("best loss", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_EarlyStoppingSettingsOutOfRange_NameTheOption()
    {
        Assert.Contains("`EarlyStoppingMinEpochs` must be between 1 and `Epochs` (3), got 4", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, EarlyStoppingMinEpochs = 4 })).Message);
        Assert.Contains("`EarlyStoppingMinDelta` must be 0 or a positive number, got -0.1", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, EarlyStoppingMinDelta = -0.1 })).Message);
        Assert.Contains("`EarlyStoppingMetric` must be one of", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, EarlyStoppingMetric = (EarlyStoppingMetric)7 })).Message);
    }

    [Fact]
    public void Fit_EveryRowPredictedAsOneClass_WarnsInTheLogAndTrainingInfo()
    {
        // One text under both labels: whatever the model learns, it predicts the same class for every row.
        var rows = Enumerable.Range(0, 32).Select(i => Row("the same words", i % 2 == 0 ? "positive" : "negative")).ToList();
        var log = new List<string>();
        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) => log.Add(e.Message);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Peft().LoraTextClassifier(_backbone, epochs: 1, batchSize: 16)).Fit(data);
        using var classifier = model.LastTransformer;

        string warning = Assert.Single(classifier.TrainingInfo!.Warnings);
        Assert.Contains("Every prediction on the training data (32 examples) is '", warning);
        Assert.Contains("collapsed to one class (accuracy 50.0 %", warning);
        Assert.Contains(log, line => line.Contains("collapsed to one class", StringComparison.Ordinal));
    }

    [Fact]
    public void Fit_SameMLContextSeed_GivesIdenticalModels()
    {
        float[][] Scores()
        {
            var ml = new MLContext(seed: 5);
            var data = ml.Data.LoadFromEnumerable(SentimentRows.Create(64, seed: 3));
            var model = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Peft().LoraTextClassifier(_backbone, epochs: 2, batchSize: 16))
                .Fit(data);
            using var classifier = model.LastTransformer;
            return model.Transform(Holdout()).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        }

        Assert.Equal(Scores(), Scores());
    }

    [Fact]
    public void Fit_CancelledToken_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var data = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(ToyData(32)).Transform(ToyData(32));
        var estimator = _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = _backbone, CancellationToken = cancellation.Token });

        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(data));
    }

    [Fact]
    public void TransformAndPredictionEngine_ManyRows_LeakNoTensors()
    {
        var (model, data) = FitToy(epochs: 1);
        using var classifier = Classifier(model);
        var engine = _ml.Model.CreatePredictionEngine<SentimentRow, Prediction>(WithPredictedText(model, data));
        _ = engine.Predict(SentimentRows.Create(1, seed: 8)[0]);
        long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        _ = model.Transform(Holdout()).GetColumn<VBuffer<float>>("Score").ToList();
        foreach (var row in SentimentRows.Create(20, seed: 9))
        {
            _ = engine.Predict(row);
        }

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Load_BackboneThatCannotBeReopened_MustBeGivenAndMustMatch()
    {
        var (model, data) = FitToy(epochs: 1);
        using var classifier = Classifier(model);
        string path = Path.Combine(_directory, "model.zip");
        _ml.Peft().Model.Save(model, data.Schema, path);
        Directory.Delete(Path.Combine(_directory, "tiny-bert"), recursive: true);

        var missing = Assert.Throws<InvalidOperationException>(() => _ml.Peft().Model.Load(path, out _));
        Assert.Contains("cannot be reopened", missing.Message);

        var other = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "other-bert"), seed: 8));
        Assert.Contains("none of the given backbones matches", Assert.Throws<InvalidOperationException>(() => _ml.Peft().Model.Load(path, out _, other)).Message);

        var same = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "same-bert")));
        var loaded = (TransformerChain<ITransformer>)_ml.Peft().Model.Load(path, out _, same);
        using var reloaded = (LoraTextClassificationTransformer)loaded.Last();
        Assert.Equal(
            model.Transform(Holdout()).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()),
            loaded.Transform(Holdout()).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()));
    }

    [Fact]
    public void Load_CorruptAdapterEntryInsideThePipeline_NamesTheZipAndTheEntry()
    {
        var (model, data) = FitToy(epochs: 1);
        using var classifier = Classifier(model);
        string path = Path.Combine(_directory, "model.zip");
        _ml.Peft().Model.Save(model, data.Schema, path);
        string entryName;
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(e => e.Name == "adapter_model.safetensors");
            entryName = entry.FullName;
            entry.Delete();
            using var stream = zip.CreateEntry(entryName).Open();
            stream.Write(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x' });
        }

        var error = Assert.Throws<InvalidDataException>(() => _ml.Peft().Model.Load(path, out _));

        Assert.Contains(path + "!/" + entryName, error.Message);
        Assert.DoesNotContain(Path.GetTempPath() + "peft-adapter-", error.Message);
    }

    [Fact]
    public void Load_StageSavedBeforeThePreprocessorFieldExisted_ReadsTheTokenizerFolder()
    {
        var (model, data) = FitToy(epochs: 1);
        using var classifier = Classifier(model);
        string path = Path.Combine(_directory, "model.zip");
        _ml.Peft().Model.Save(model, data.Schema, path);
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
        {
            var stageEntry = zip.Entries.Single(e => e.FullName.EndsWith("/stage.json", StringComparison.Ordinal));
            string prefix = stageEntry.FullName[..^"stage.json".Length];
            Assert.Contains(zip.Entries, e => e.FullName.StartsWith(prefix + "tokenizer/", StringComparison.Ordinal));
            System.Text.Json.Nodes.JsonObject stage;
            using (var stream = stageEntry.Open())
            {
                stage = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(stream)!;
            }

            Assert.Equal("tokenizer/", stage["preprocessor"]!.GetValue<string>());
            Assert.Equal("text-classifier", stage["kind"]!.GetValue<string>());
            stage.Remove("preprocessor");
            stageEntry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry(prefix + "stage.json").Open());
            writer.Write(stage.ToJsonString());
        }

        var loaded = (TransformerChain<ITransformer>)_ml.Peft().Model.Load(path, out _);
        using var reloaded = (LoraTextClassificationTransformer)loaded.Last();
        Assert.Equal(
            model.Transform(Holdout()).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()),
            loaded.Transform(Holdout()).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()));
    }

    private (TransformerChain<LoraTextClassificationTransformer> Model, IDataView Data) FitToy(int epochs, int? maxSequenceLength = null)
    {
        var data = ToyData(160);
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Epochs = epochs,
            BatchSize = 32,
            LearningRate = 1e-2,
            MaxSequenceLength = maxSequenceLength,
        }));
        return (pipeline.Fit(data), data);
    }

    private TransformerChain<ITransformer> WithPredictedText(TransformerChain<LoraTextClassificationTransformer> model, IDataView data) =>
        new TransformerChain<ITransformer>(model, _ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel").Fit(model.Transform(data)));

    private LoraTextClassificationEstimator Estimator(int epochs) => _ml.Peft().LoraTextClassifier(_backbone, epochs: epochs, batchSize: 16);

    private static LoraTextClassificationTransformer Classifier(TransformerChain<LoraTextClassificationTransformer> model) => model.LastTransformer;

    private IDataView ToyData(int count) => _ml.Data.LoadFromEnumerable(SentimentRows.Create(count, seed: 3));

    private IDataView Holdout() => _ml.Data.LoadFromEnumerable(SentimentRows.Create(100, seed: 42));

    private static SentimentRow Row(string text, string label) => new() { Text = text, Label = label };

    private sealed class Prediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();

        public string PredictedText { get; set; } = string.Empty;
    }

    private sealed class PairRow
    {
        public string Text { get; set; } = string.Empty;

        public string Other { get; set; } = string.Empty;

        public string Label { get; set; } = string.Empty;
    }

    private sealed class NumberRow
    {
        public string Text { get; set; } = string.Empty;

        public float Number { get; set; }

        public string Label { get; set; } = string.Empty;
    }

    private sealed class TextOnlyRow
    {
        public string Text { get; set; } = string.Empty;
    }
}
