// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Tests.Tuning;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Text.TextClassification;

/// <summary>
/// Adapters trained in Python in an ML.NET pipeline: <c>TextClassifierFromAdapter</c> turns tiny-bert plus a PEFT 0.21 SEQ_CLS
/// adapter into a text classifier whose scores are the softmax of the logits the loaded network computes (which
/// <see cref="PeftInteropFixtureTests"/> proves equal to PEFT's), saves the adapter back as PEFT wrote it, survives the
/// pipeline's save and load, and continues training from it; wrong folders are refused by name.
/// </summary>
public sealed class TextClassifierFromAdapterTests : IDisposable
{
    private const string Lora = PeftInteropFixtureTests.SequenceCases + "/lora";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-fromadapter-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SharedFixtureTheory(PeftInteropFixtureTests.TinyBert, PeftInteropFixtureTests.SequenceCases)]
    [InlineData("lora")]
    [InlineData("dora")]
    [InlineData("vera")]
    [InlineData("randlora")]
    [InlineData("ia3")]
    public void PythonAdapter_ScoresTheLoadedNetworksLogits_SavesPeftsFileBack_AndReloads(string name)
    {
        string folder = SharedFixtures.Path(PeftInteropFixtureTests.SequenceCases, name);
        var texts = Texts();
        var backbone = Backbone();
        using var classifier = _ml.Peft().TextClassifierFromAdapter(backbone, folder, labelNames: new[] { "a", "b", "c" });
        Assert.Equal(3, classifier.LabelCount);
        Assert.False(classifier.IsBinary);

        var data = _ml.Data.LoadFromEnumerable(texts.Select(t => new SentimentRow { Text = t }));
        var scores = Scores(classifier.Transform(data));
        var expected = ReferenceProbabilities(folder, texts);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(3, scores[i].Score.Length);
            for (int c = 0; c < 3; c++)
            {
                Assert.True(Math.Abs(expected[i, c] - scores[i].Score[c]) <= 1e-5, $"text {i} class {c}: {scores[i].Score[c]} against {expected[i, c]}");
            }
        }

        // The label names are the key values of PredictedLabel, so MapKeyToValue gives them back.
        var named = _ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(classifier.Transform(data)).Transform(classifier.Transform(data));
        var predicted = named.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(p => p.ToString()).ToArray();
        Assert.Equal(scores.Select(s => "abc"[Array.IndexOf(s.Score, s.Score.Max())].ToString()), predicted);

        // Saved again, the adapter is PEFT's file: same keys, same tensors.
        string resaved = Path.Combine(_directory, "resaved");
        classifier.SaveAdapter(resaved);
        var original = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var written = SafeTensorsFile.Read(Path.Combine(resaved, PeftModel.AdapterWeightsFileName));
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), written.Keys.Order(StringComparer.Ordinal));
        Assert.All(original, p => Assert.True(ModelState.Identical(p.Value, written[p.Key]), $"'{p.Key}' changed"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(resaved, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal("SEQ_CLS", config["task_type"]!.GetValue<string>());

        // The re-saved folder and the whole pipeline both load back to the same scores.
        using (var again = _ml.Peft().TextClassifierFromAdapter(backbone, resaved, labelNames: new[] { "a", "b", "c" }))
        {
            AssertSameScores(scores, Scores(again.Transform(data)));
        }

        string zip = Path.Combine(_directory, "pipeline.zip");
        _ml.Peft().Model.Save(classifier, data.Schema, zip);
        var loaded = _ml.Peft().Model.Load(zip, out _, backbone);
        AssertSameScores(scores, Scores(loaded.Transform(data)));
        (loaded as IDisposable)?.Dispose();
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, Lora)]
    public void PredictionEngine_OnAPythonAdapter_EqualsTransform()
    {
        using var classifier = _ml.Peft().TextClassifierFromAdapter(Backbone(), SharedFixtures.Path(Lora.Split('/')));
        var texts = Texts();
        var batched = Scores(classifier.Transform(_ml.Data.LoadFromEnumerable(texts.Select(t => new SentimentRow { Text = t }))));
        using var engine = _ml.Model.CreatePredictionEngine<SentimentRow, ScoreRow>(classifier);
        for (int i = 0; i < texts.Length; i++)
        {
            var single = engine.Predict(new SentimentRow { Text = texts[i] });
            Assert.Equal(batched[i].Score, single.Score, new FloatTolerance(1e-6f));
        }
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, Lora)]
    public void ContinueTraining_FromAPythonAdapter_StartsFromItsWeightsAndKeepsItsMethod()
    {
        string folder = SharedFixtures.Path(Lora.Split('/'));
        var rows = Enumerable.Range(0, 24).Select(i => new SentimentRow { Text = Texts()[i % 8], Label = "abc"[i % 3].ToString() }).ToList();
        var data = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(_ml.Data.LoadFromEnumerable(rows)).Transform(_ml.Data.LoadFromEnumerable(rows));

        // A learning rate too small to move float32 weights: the trained adapter is the Python one, so training started there.
        var options = new LoraTextClassifierOptions { Backbone = Backbone(), InitialAdapterDirectory = folder, Epochs = 1, BatchSize = 8, LearningRate = 1e-30 };
        using (var still = _ml.Peft().LoraTextClassifier(options).Fit(data))
        {
            string saved = Path.Combine(_directory, "still");
            still.SaveAdapter(saved);
            var original = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
            var written = SafeTensorsFile.Read(Path.Combine(saved, PeftModel.AdapterWeightsFileName));
            Assert.Equal(original.Keys.Order(StringComparer.Ordinal), written.Keys.Order(StringComparer.Ordinal));
            Assert.All(original, p => ModelState.AssertClose(p.Value, written[p.Key], 1e-6, p.Key));
            Assert.Equal(original.Values.Sum(t => t.numel()), still.TrainingInfo!.TrainableParameters);
        }

        // At a real learning rate the adapter and its head move.
        options.LearningRate = 1e-2;
        using var trained = _ml.Peft().LoraTextClassifier(options).Fit(data);
        string moved = Path.Combine(_directory, "moved");
        trained.SaveAdapter(moved);
        var before = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var after = SafeTensorsFile.Read(Path.Combine(moved, PeftModel.AdapterWeightsFileName));
        Assert.True(ModelState.MaxAbsDifference(before["base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight"], after["base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight"]) > 1e-4);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(moved, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal(4, config["r"]!.GetValue<int>());
        Assert.Equal(new[] { "query", "value" }, config["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, PeftInteropFixtureTests.TokenCases)]
    public void TokenClassifierAdapter_AsATextClassifier_IsRefusedNamingTheTaskTypeAndWhereItGoes()
    {
        string folder = SharedFixtures.Path(PeftInteropFixtureTests.TokenCases, "lora_tokcls");
        var ex = Assert.Throws<ArgumentException>(() => _ml.Peft().TextClassifierFromAdapter(Backbone(), folder));
        Assert.Contains("TOKEN_CLS", ex.Message, StringComparison.Ordinal);
        Assert.Contains("NamedEntityRecognizerFromAdapter", ex.Message, StringComparison.Ordinal);
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, Lora)]
    public void LabelNames_OfAnotherCount_AreRefusedNamingBothCounts()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ml.Peft().TextClassifierFromAdapter(Backbone(), SharedFixtures.Path(Lora.Split('/')), labelNames: new[] { "yes", "no" }));
        Assert.Equal("labelNames", ex.ParamName);
        Assert.Contains("2 names", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3 classes", ex.Message, StringComparison.Ordinal);
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, Lora)]
    public void Binary_OnAThreeClassHead_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ml.Peft().TextClassifierFromAdapter(Backbone(), SharedFixtures.Path(Lora.Split('/')), binary: true));
        Assert.Equal("binary", ex.ParamName);
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, Lora)]
    public void ContinueTraining_OnALabelOfAnotherSize_IsRefusedNamingTheColumn()
    {
        var rows = SentimentRows.Create(8, seed: 1);
        var data = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(_ml.Data.LoadFromEnumerable(rows)).Transform(_ml.Data.LoadFromEnumerable(rows));
        var estimator = _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = Backbone(), InitialAdapterDirectory = SharedFixtures.Path(Lora.Split('/')), Epochs = 1 });

        var ex = Assert.Throws<ArgumentException>(() => estimator.Fit(data));
        Assert.Contains("3 classes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Label' has 2", ex.Message, StringComparison.Ordinal);
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, Lora)]
    public void ContinueTraining_WithAMethodToo_IsRefusedAtConstruction()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = Backbone(),
            InitialAdapterDirectory = SharedFixtures.Path(Lora.Split('/')),
            Method = new LoraConfig { Rank = 8 },
        }));
        Assert.Contains("Method", ex.Message, StringComparison.Ordinal);
        Assert.Contains("InitialAdapterDirectory", ex.Message, StringComparison.Ordinal);
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert)]
    public void AdapterFolder_Missing_OrWithoutHead_OrOfAnUnknownMethod_IsRefusedNamingIt()
    {
        var backbone = Backbone();
        string missing = Path.Combine(_directory, "nowhere");
        var notFound = Assert.Throws<DirectoryNotFoundException>(() => _ml.Peft().TextClassifierFromAdapter(backbone, missing));
        Assert.Contains(missing, notFound.Message, StringComparison.Ordinal);

        // An adapter without the head in modules_to_save (e.g. task_type left out in Python).
        string headless = Path.Combine(_directory, "headless");
        Directory.CreateDirectory(headless);
        string lora = SharedFixtures.Path(Lora.Split('/'));
        var tensors = SafeTensorsFile.Read(Path.Combine(lora, PeftModel.AdapterWeightsFileName)).Where(p => !p.Key.Contains("classifier", StringComparison.Ordinal));
        SafeTensorsFile.Write(Path.Combine(headless, PeftModel.AdapterWeightsFileName), tensors, null);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(lora, PeftModel.AdapterConfigFileName)))!.AsObject();
        config["modules_to_save"] = null;
        config["task_type"] = null;
        File.WriteAllText(Path.Combine(headless, PeftModel.AdapterConfigFileName), config.ToJsonString());
        var noHead = Assert.Throws<InvalidDataException>(() => _ml.Peft().TextClassifierFromAdapter(backbone, headless));
        Assert.Contains("base_model.model.classifier.weight", noHead.Message, StringComparison.Ordinal);
        Assert.Contains("modules_to_save", noHead.Message, StringComparison.Ordinal);

        // Fields that conflict: DoRA with a bias on B, which neither PEFT nor this library supports.
        var dora = config.DeepClone().AsObject();
        dora["use_dora"] = true;
        dora["lora_bias"] = true;
        File.WriteAllText(Path.Combine(headless, PeftModel.AdapterConfigFileName), dora.ToJsonString());
        var conflict = Assert.Throws<InvalidDataException>(() => _ml.Peft().TextClassifierFromAdapter(backbone, headless));
        Assert.True(conflict.Message.Contains("lora_bias", StringComparison.Ordinal), conflict.Message);
        Assert.Contains("adapter_config.json", conflict.Message, StringComparison.Ordinal);

        // A PEFT method not implemented here is named, with the implemented ones.
        config["peft_type"] = "OFT";
        File.WriteAllText(Path.Combine(headless, PeftModel.AdapterConfigFileName), config.ToJsonString());
        var unknown = Assert.Throws<NotSupportedException>(() => _ml.Peft().TextClassifierFromAdapter(backbone, headless));
        Assert.Contains("OFT", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("LORA", unknown.Message, StringComparison.Ordinal);
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, Lora)]
    public void AdapterOfAnotherArchitecture_IsRefusedNamingItsTargetsAndTheModelsModules()
    {
        // The BERT adapter onto a DistilBERT backbone: its target modules are not there, and the message lists those that are.
        var distil = PretrainedModel.FromDirectory(TinyBackboneFolders.Write("distilbert", Path.Combine(_directory, "distilbert")));
        var ex = Assert.Throws<InvalidDataException>(() => _ml.Peft().TextClassifierFromAdapter(distil, SharedFixtures.Path(Lora.Split('/'))));
        Assert.Contains("[query, value] matched no module", ex.Message, StringComparison.Ordinal);
        Assert.Contains("distilbert.transformer.layer.0.attention.q_lin", ex.Message, StringComparison.Ordinal);
    }

    private static PretrainedModel Backbone() => PretrainedModel.FromDirectory(SharedFixtures.Path(PeftInteropFixtureTests.TinyBert.Split('/')));

    private static string[] Texts() =>
        FixtureJson.Read(Lora + "/expected.json")["texts"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();

    // The loaded network's softmax over this library's tokenization of the texts, one text at a time (no padding).
    private static float[,] ReferenceProbabilities(string folder, string[] texts)
    {
        using var scope = NewDisposeScope();
        var text = PeftInteropFixtureTests.OpenTinyBert();
        var tokenizer = text.CreateTokenizer();
        using var model = text.Architecture.CreateSequenceClassifier(text.CreateEncoder(), 3);
        using var peft = PeftModel.FromPretrained(model, folder);
        model.eval();
        using var noGrad = no_grad();
        var result = new float[texts.Length, 3];
        for (int i = 0; i < texts.Length; i++)
        {
            var encoded = tokenizer.Encode(texts[i]);
            var ids = tensor(encoded.InputIds).unsqueeze(0);
            var probabilities = nn.functional.softmax(model.call(ids, zeros_like(ids), ones_like(ids)), 1).data<float>().ToArray();
            for (int c = 0; c < 3; c++)
            {
                result[i, c] = probabilities[c];
            }
        }

        return result;
    }

    private ScoreRow[] Scores(IDataView scored) => _ml.Data.CreateEnumerable<ScoreRow>(scored, reuseRowObject: false).ToArray();

    private static void AssertSameScores(ScoreRow[] expected, ScoreRow[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Score, actual[i].Score, new FloatTolerance(1e-6f));
        }
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
