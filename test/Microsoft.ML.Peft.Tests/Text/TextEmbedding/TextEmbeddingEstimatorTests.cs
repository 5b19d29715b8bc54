// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Tests.Tuning;
using Microsoft.ML.Peft.Text.TextEmbedding;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Text.TextEmbedding;

/// <summary>
/// <c>mlContext.Peft().TextEmbedding</c>: sentence-transformers' embeddings of all-MiniLM-L6-v2 from its folder and from the
/// NuGet ONNX, vectors that ML.NET's trainers learn from, CLS pooling and no normalisation as the exact math, an adapter on the
/// encoder, persistence and the PredictionEngine, and named refusals.
/// </summary>
public sealed class TextEmbeddingEstimatorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-embedding-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly ITestOutputHelper _output;

    public TextEmbeddingEstimatorTests(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SharedFixtureTheory("all-MiniLM-L6-v2")]
    [InlineData(false)]
    [InlineData(true)]
    public void MiniLm_FromFolderOrNuGetOnnx_GivesSentenceTransformersEmbeddings(bool fromOnnx)
    {
        var golden = MiniLmOnnx.GoldenSentences();
        using var transformer = _ml.Peft().TextEmbedding(fromOnnx ? MiniLmFromPackage() : PretrainedModel.FromDirectory(SharedFixtures.Path("all-MiniLM-L6-v2")))
            .Fit(Texts(golden.Select(g => g.Text)));
        Assert.Equal(384, transformer.Dimension);

        var embeddings = Embeddings(transformer.Transform(Texts(golden.Select(g => g.Text))));
        for (int i = 0; i < golden.Count; i++)
        {
            double cosine = Cosine(golden[i].Embedding, embeddings[i]);
            _output.WriteLine($"'{golden[i].Text}': cosine {cosine:F8}");
            Assert.True(cosine >= 0.99999, $"'{golden[i].Text}': cosine {cosine:F7} with sentence-transformers' embedding");
            Assert.Equal(1.0, Math.Sqrt(embeddings[i].Sum(v => (double)v * v)), 5);
        }
    }

    [Fact]
    public void Embeddings_FeedSdcaAndKMeans_InOnePipeline()
    {
        // all-MiniLM-L6-v2 from its NuGet package: the sentiment word decides the label, and the embedding shows it.
        var train = _ml.Data.LoadFromEnumerable(SentimentRows.Create(64, seed: 1));
        var test = _ml.Data.LoadFromEnumerable(SentimentRows.Create(40, seed: 2));
        var pipeline = _ml.Peft().TextEmbedding(MiniLmFromPackage(), "Features")
            .Append(_ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(_ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 50));
        var model = pipeline.Fit(train);
        var metrics = _ml.MulticlassClassification.Evaluate(model.Transform(test));
        _output.WriteLine($"SDCA on the embeddings: macro accuracy {metrics.MacroAccuracy:F3}");
        Assert.True(metrics.MacroAccuracy >= 0.9, $"SDCA on the embeddings: macro accuracy {metrics.MacroAccuracy:F3}");

        var clusters = _ml.Peft().TextEmbedding(MiniLmFromPackage(), "Features").Append(_ml.Clustering.Trainers.KMeans("Features", numberOfClusters: 2)).Fit(train);
        var assigned = clusters.Transform(test).GetColumn<uint>("PredictedLabel").ToArray();
        Assert.Equal(40, assigned.Length);
        Assert.Equal(2, assigned.Distinct().Count());
        (model as IDisposable)?.Dispose();
        (clusters as IDisposable)?.Dispose();
    }

    [Theory]
    [InlineData(TextEmbeddingPooling.Cls, false)]
    [InlineData(TextEmbeddingPooling.Mean, false)]
    [InlineData(TextEmbeddingPooling.Mean, true)]
    public void Pooling_IsTheFirstTokenOrTheMaskedMean_OverTheEncodersStates(TextEmbeddingPooling pooling, bool normalize)
    {
        var backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
        string[] texts = { "the movie is good", "bad", "it was really boring and the plot is poor" };
        using var transformer = _ml.Peft().TextEmbedding(backbone, pooling: pooling, normalize: normalize).Fit(Texts(texts));
        var embeddings = Embeddings(transformer.Transform(Texts(texts)));

        using var scope = NewDisposeScope();
        var text = backbone.AsText("test");
        using var encoder = text.CreateEncoder();
        encoder.eval();
        using var noGrad = no_grad();
        var tokenizer = text.CreateTokenizer();
        for (int i = 0; i < texts.Length; i++)
        {
            var encoded = tokenizer.Encode(texts[i]);
            var ids = tensor(encoded.InputIds).unsqueeze(0);
            var states = encoder.call(ids, zeros_like(ids), ones_like(ids)).squeeze(0);
            var expected = pooling == TextEmbeddingPooling.Cls ? states[0] : states.mean(new long[] { 0 });
            if (normalize)
            {
                expected = expected / expected.norm();
            }

            ModelState.AssertClose(expected, tensor(embeddings[i]), 1e-5, $"text {i}");
        }
    }

    [Fact]
    public void Adapter_OnTheEncoder_ChangesTheEmbeddingAsTheAdaptedEncoderDoes_AndSurvivesSaveAndLoad()
    {
        var backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
        string adapter = Path.Combine(_directory, "adapter");
        string[] texts = { "the movie is good", "the food was awful" };
        using (var scope = NewDisposeScope())
        {
            // A LoRA adapter on the bare encoder, as PEFT saves one on AutoModel, moved away from its identity start.
            using var encoder = backbone.AsText("test").CreateEncoder();
            using var peft = PeftModel.Create(encoder, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("query", "value"), TaskType = "FEATURE_EXTRACTION" });
            using (var noGrad = no_grad())
            {
                foreach (var (_, parameter) in peft.NamedTrainableParameters())
                {
                    parameter.add_(randn_like(parameter) * 0.1);
                }
            }

            peft.SaveAdapter(adapter);
        }

        using var plain = _ml.Peft().TextEmbedding(backbone).Fit(Texts(texts));
        using var adapted = _ml.Peft().TextEmbedding(new TextEmbeddingOptions { Backbone = backbone, AdapterDirectory = adapter }).Fit(Texts(texts));
        Assert.False(plain.HasAdapter);
        Assert.True(adapted.HasAdapter);
        var withAdapter = Embeddings(adapted.Transform(Texts(texts)));
        Assert.True(Cosine(Embeddings(plain.Transform(Texts(texts)))[0], withAdapter[0]) < 0.9999, "the adapter changed nothing");

        using (var scope = NewDisposeScope())
        {
            var text = backbone.AsText("test");
            using var encoder = text.CreateEncoder();
            using var peft = PeftModel.FromPretrained(encoder, adapter);
            encoder.eval();
            using var noGrad = no_grad();
            var encoded = text.CreateTokenizer().Encode(texts[0]);
            var ids = tensor(encoded.InputIds).unsqueeze(0);
            var mean = encoder.call(ids, zeros_like(ids), ones_like(ids)).squeeze(0).mean(new long[] { 0 });
            ModelState.AssertClose(mean / mean.norm(), tensor(withAdapter[0]), 1e-5, "embedding with the adapter");
        }

        // Both save with the pipeline and load back to the same vectors; only the adapted one has an adapter to export.
        foreach (var (transformer, name) in new[] { (plain, "plain"), (adapted, "adapted") })
        {
            string zip = Path.Combine(_directory, name + ".zip");
            _ml.Peft().Model.Save(transformer, Texts(texts).Schema, zip);
            var loaded = _ml.Peft().Model.Load(zip, out _, backbone);
            var expected = Embeddings(transformer.Transform(Texts(texts)));
            var actual = Embeddings(loaded.Transform(Texts(texts)));
            for (int i = 0; i < texts.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], new FloatTolerance(1e-6f));
            }

            (loaded as IDisposable)?.Dispose();
        }

        Assert.Throws<InvalidOperationException>(() => plain.SaveAdapter(Path.Combine(_directory, "none")));
    }

    [Fact]
    public void PredictionEngine_EqualsTransform_AndLeavesNoTensorsAlive()
    {
        var backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
        string[] texts = { "the movie is good", "bad", "it was really boring and the plot is poor" };
        using var transformer = _ml.Peft().TextEmbedding(backbone).Fit(Texts(texts));
        var batched = Embeddings(transformer.Transform(Texts(texts)));
        var engine = _ml.Model.CreatePredictionEngine<SentimentRow, EmbeddingRow>(transformer);
        _ = engine.Predict(new SentimentRow { Text = texts[0] });
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(batched[i], engine.Predict(new SentimentRow { Text = texts[i] }).Embedding, new FloatTolerance(1e-6f));
        }

        _ = Embeddings(transformer.Transform(Texts(texts)));
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void EstimatorShape_AddsAKnownSizeVector_AsTheTransformerDoes()
    {
        var backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
        var estimator = _ml.Peft().TextEmbedding(backbone, "Features");
        var shape = estimator.GetOutputSchema(SchemaShapes.Of(Texts(new[] { "x" }).Schema));
        var column = Assert.Single(shape, c => c.Name == "Features");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, column.Kind);
        Assert.Equal(NumberDataViewType.Single, column.ItemType);
        using var transformer = estimator.Fit(Texts(new[] { "x" }));
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, backbone.HiddenSize), transformer.GetOutputSchema(Texts(new[] { "x" }).Schema)["Features"].Type);
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, PeftInteropFixtureTests.SequenceCases)]
    public void ClassifierAdapter_IsRefusedNamingItsTaskType()
    {
        var options = new TextEmbeddingOptions
        {
            Backbone = PretrainedModel.FromDirectory(SharedFixtures.Path(PeftInteropFixtureTests.TinyBert.Split('/'))),
            AdapterDirectory = SharedFixtures.Path(PeftInteropFixtureTests.SequenceCases, "lora"),
        };
        var ex = Assert.Throws<ArgumentException>(() => _ml.Peft().TextEmbedding(options).Fit(Texts(new[] { "x" })));
        Assert.Contains("SEQ_CLS", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TextClassifierFromAdapter", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingOrNonTextColumn_AndBadOptions_AreRefusedByName()
    {
        var backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
        var numbers = _ml.Data.LoadFromEnumerable(new[] { new { Text = 1f } });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Peft().TextEmbedding(backbone).Fit(numbers));
        Assert.Contains("'Text'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => _ml.Peft().TextEmbedding(new TextEmbeddingOptions()));
        Assert.Contains("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Peft().TextEmbedding(new TextEmbeddingOptions { Backbone = backbone, BatchSize = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("AdapterDirectory", Assert.Throws<DirectoryNotFoundException>(() => _ml.Peft().TextEmbedding(new TextEmbeddingOptions { Backbone = backbone, AdapterDirectory = Path.Combine(_directory, "none") })).Message, StringComparison.Ordinal);
    }

    private static PretrainedModel MiniLmFromPackage()
    {
        using var onnx = MiniLmOnnx.OpenModel();
        using var vocab = MiniLmOnnx.OpenVocab();
        return PretrainedModel.FromOnnx(onnx, vocab, "all-MiniLM-L6-v2 (package)");
    }

    private IDataView Texts(IEnumerable<string> texts) => _ml.Data.LoadFromEnumerable(texts.Select(t => new SentimentRow { Text = t }).ToList());

    private float[][] Embeddings(IDataView scored) =>
        _ml.Data.CreateEnumerable<EmbeddingRow>(scored, reuseRowObject: false).Select(r => r.Embedding).ToArray();

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private sealed class EmbeddingRow
    {
        public float[] Embedding { get; set; } = Array.Empty<float>();
    }
}
