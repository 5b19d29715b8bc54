// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Text.DomainAdaptation;
using Microsoft.ML.Peft.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Text.DomainAdaptation;

/// <summary>Domain-adaptive pre-training on a tiny random BERT: learning, what trains, the handover to a task model, leaks, MiniLM.</summary>
public sealed class DomainAdaptivePretrainingTests : IDisposable
{
    private static readonly string[] s_qkv = { "query", "key", "value" };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-dapt-" + Guid.NewGuid().ToString("N"));
    private readonly TextBackbone _backbone;

    public DomainAdaptivePretrainingTests()
    {
        _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert"))).AsText("test");
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Run_RepetitiveCorpus_ReducesTheMaskedLanguageModelingLossSubstantially()
    {
        using var encoder = _backbone.CreateEncoder();
        var progress = new RecordingProgress();

        using var result = Run(encoder, Corpus(160), Settings(epochs: 12) with { ReportEverySteps = 1 }, progress, validation: Corpus(48, seed: 9));

        double first = progress.Reports.Take(5).Average(r => r.Loss);
        Assert.True(result.Training.FinalLoss < 0.5 * first, $"MLM loss went from {first:F3} (first steps) to {result.Training.FinalLoss:F3} (last epoch)");
        var history = result.Training.MetricHistory;
        Assert.Equal(12, history.Count);
        Assert.True(history[^1] < 0.6 * history[0], $"validation MLM loss went from {history[0]:F3} to {history[^1]:F3}");
    }

    [Fact]
    public void Run_TrainsOnlyTheAdapterAndTheFreshHead_AndLeavesTheEncoderAsItWas()
    {
        using var encoder = _backbone.CreateEncoder();
        var before = ModelState.Snapshot(encoder);
        var ids = tensor(new long[] { 2, 5, 9, 7, 17, 3 }).unsqueeze(0);
        var outputBefore = Encode(encoder, ids);
        Assert.All(encoder.parameters(), p => Assert.True(p.requires_grad));

        using var result = Run(encoder, Corpus(64), Settings(epochs: 2));

        foreach (var (name, tensor) in encoder.state_dict())
        {
            Assert.True(ModelState.Identical(before[name], tensor), $"encoder weight '{name}' changed");
        }

        ModelState.AssertClose(outputBefore, Encode(encoder, ids), 0, "encoder output after the run (no hook left behind)");
        Assert.All(encoder.parameters(), p => Assert.True(p.requires_grad));

        var expectedKeys = from layer in new[] { 0, 1 }
                           from module in s_qkv
                           from matrix in new[] { "lora_A", "lora_B" }
                           select $"encoder.layer.{layer}.attention.self.{module}.{matrix}.weight";
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), result.EncoderTensors.Keys.Order(StringComparer.Ordinal));
        Assert.All(result.EncoderTensors.Where(p => p.Key.Contains("lora_B", StringComparison.Ordinal)), p => Assert.True(p.Value.abs().max().item<float>() > 0, $"{p.Key} did not train"));
        Assert.Equal(new long[] { 16, 32 }, result.EncoderTensors["encoder.layer.0.attention.self.query.lora_A.weight"].shape);

        Assert.False(result.HeadFromCheckpoint);
        Assert.Equal(
            new[] { "cls.predictions.bias", "cls.predictions.transform.LayerNorm.bias", "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.dense.bias", "cls.predictions.transform.dense.weight" },
            result.HeadTensors.Keys.Order(StringComparer.Ordinal));
        Assert.True(result.HeadTensors["cls.predictions.bias"].abs().max().item<float>() > 0, "the head's bias did not train");

        var config = Assert.IsType<LoraConfig>(result.Config);
        Assert.Equal((16, 32.0, 0.05), (config.Rank, config.Alpha, config.Dropout));
        Assert.Equal(new[] { "cls" }, config.ModulesToSave);
        ModelState.Dispose(before);
    }

    [Fact]
    public void Run_SameSeed_GivesIdenticalAdapters()
    {
        using var encoder = _backbone.CreateEncoder();

        using var first = Run(encoder, Corpus(32), Settings(epochs: 1) with { Seed = 3 });
        using var second = Run(encoder, Corpus(32), Settings(epochs: 1) with { Seed = 3 });

        foreach (var (key, tensor) in first.EncoderTensors)
        {
            Assert.True(ModelState.Identical(tensor, second.EncoderTensors[key]), $"'{key}' differs between two runs with the same seed");
        }
    }

    [Fact]
    public void CopyInto_DownstreamClassifier_LandsEveryKeyWithEqualValues()
    {
        using var encoder = _backbone.CreateEncoder();
        using var result = Run(encoder, Corpus(48), Settings(epochs: 2));
        using var downstream = (BertForSequenceClassification)_backbone.Architecture.CreateSequenceClassifier(_backbone.CreateEncoder(), labelCount: 2);
        using var peft = PeftModel.Create(downstream, DownstreamConfig(alpha: 32));
        using var scope = NewDisposeScope();
        var classifierBefore = peft.GetAdapterStateDict("default")["base_model.model.classifier.weight"].clone();

        int copied = result.CopyInto(peft, "bert.");

        var adapter = peft.GetAdapterStateDict("default");
        Assert.Equal(12, copied);
        foreach (var (key, tensor) in result.EncoderTensors)
        {
            Assert.True(ModelState.Identical(tensor, adapter["base_model.model.bert." + key]), $"'{key}' did not land");
        }

        Assert.True(ModelState.Identical(classifierBefore, adapter["base_model.model.classifier.weight"]), "the task head changed");
    }

    [Fact]
    public void CopyInto_TargetWithOtherScalingTargetsOrRank_IsRefusedAndLeftUnchanged()
    {
        using var encoder = _backbone.CreateEncoder();
        using var result = Run(encoder, Corpus(16), Settings(epochs: 1));
        using var downstream = _backbone.Architecture.CreateSequenceClassifier(_backbone.CreateEncoder(), labelCount: 2);

        using (var otherAlpha = PeftModel.Create(downstream, DownstreamConfig(alpha: 16)))
        {
            Assert.Contains("Alpha 16", Assert.Throws<ArgumentException>(() => result.CopyInto(otherAlpha, "bert.")).Message);
        }

        using (var fewerTargets = PeftModel.Create(downstream, DownstreamConfig(alpha: 32, targets: new[] { "query", "value" })))
        {
            var error = Assert.Throws<ArgumentException>(() => result.CopyInto(fewerTargets, "bert."));
            Assert.Contains("attention.self.key.lora_A.weight", error.Message);
            Assert.True(fewerTargets.GetAdapterStateDict("default").Where(p => p.Key.Contains("lora_B", StringComparison.Ordinal)).All(p => p.Value.eq(0).all().item<bool>()), "a refused transfer wrote tensors");
        }

        using (var otherRank = PeftModel.Create(downstream, DownstreamConfig(alpha: 32, rank: 8)))
        {
            Assert.Contains("same rank", Assert.Throws<ArgumentException>(() => result.CopyInto(otherRank, "bert.")).Message);
        }
    }

    [Fact]
    public void Run_LeaksNoTensor()
    {
        using var encoder = _backbone.CreateEncoder();
        Run(encoder, Corpus(16), Settings(epochs: 1)).Dispose();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Run(encoder, Corpus(16), Settings(epochs: 1), validation: Corpus(8, seed: 4)).Dispose();

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Run_EmptyText_IsRefusedNamingIt()
    {
        using var encoder = _backbone.CreateEncoder();

        var empty = Assert.Throws<ArgumentException>("texts", () => Run(encoder, new[] { "the movie is good", " " }, Settings(epochs: 1)));

        Assert.Contains("Text 1 of `texts` is empty", empty.Message);
    }

    [SharedFixtureFact("all-MiniLM-L6-v2")]
    public void Run_MiniLmOnNcbiDiseaseSentences_BuildsTheMaskedLanguageModelAndTakesAStep()
    {
        var backbone = PretrainedModel.FromDirectory(SharedFixtures.Path("all-MiniLM-L6-v2")).AsText("test");
        using var encoder = backbone.CreateEncoder();
        var sentences = NcbiSentences(SharedFixtures.Path("datasets", "ncbi-disease-iob", "train.tsv"), 8);
        Assert.Equal(30522, backbone.CreateTokenizer().VocabularySize);

        using (var scope = NewDisposeScope())
        {
            var model = backbone.Architecture.CreateMaskedLanguageModel(encoder);
            Assert.False(backbone.TryLoadMaskedLanguageModelHead(model));
            model.eval();
            var ids = tensor(backbone.CreateTokenizer().Encode(sentences[0]).InputIds).unsqueeze(0);
            using (no_grad())
            {
                Assert.Equal(new[] { 1, ids.shape[1], 30522L }, model.call(ids, zeros_like(ids), ones_like(ids)).shape);
            }

            model.Head.Dispose();
        }

        using var result = DomainAdaptivePretraining.Run(backbone, encoder, sentences, null, new TrainingSettings { Epochs = 1, BatchSize = 8 }, CPU);

        Assert.Equal(1, result.Training.Steps);
        Assert.True(double.IsFinite(result.Training.FinalLoss));
        Assert.Equal(6 * 3 * 2, result.EncoderTensors.Count);
        Assert.Equal(new long[] { 30522 }, result.HeadTensors["cls.predictions.bias"].shape);
    }

    private DomainAdaptationResult Run(TextEncoder encoder, IReadOnlyList<string> texts, TrainingSettings settings, IProgress<TrainingProgress>? progress = null, IReadOnlyList<string>? validation = null) =>
        DomainAdaptivePretraining.Run(_backbone, encoder, texts, method: null, settings, CPU, progress, validationTexts: validation);

    private static TrainingSettings Settings(int epochs) => new() { Epochs = epochs, BatchSize = 16, LearningRate = 5e-3, WarmupFraction = 0, Seed = 1 };

    private static string[] Corpus(int count, int seed = 1) => SentimentRows.Create(count, seed).Select(r => r.Text).ToArray();

    private static LoraConfig DownstreamConfig(double alpha, string[]? targets = null, int rank = 16) => new()
    {
        Rank = rank,
        Alpha = alpha,
        Dropout = 0.05,
        TargetModules = ModuleSelector.FromNames(targets ?? s_qkv),
        ModulesToSave = new[] { "classifier" },
    };

    private static Tensor Encode(TextEncoder encoder, Tensor ids)
    {
        using var noGrad = no_grad();
        encoder.eval();
        return encoder.call(ids, zeros_like(ids), ones_like(ids));
    }

    // Sentences of a CoNLL-style file (token TAB tag per line, blank line between sentences), tokens joined by spaces.
    private static List<string> NcbiSentences(string path, int count)
    {
        var sentences = new List<string>();
        var tokens = new List<string>();
        foreach (string line in File.ReadLines(path))
        {
            if (line.Trim().Length == 0)
            {
                if (tokens.Count > 0)
                {
                    sentences.Add(string.Join(' ', tokens));
                    tokens.Clear();
                }

                if (sentences.Count == count)
                {
                    break;
                }

                continue;
            }

            tokens.Add(line.Split('\t')[0]);
        }

        return sentences;
    }
}
