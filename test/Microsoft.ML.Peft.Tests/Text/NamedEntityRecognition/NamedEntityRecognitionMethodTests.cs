// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

/// <summary>
/// Every kind of PEFT method is selectable through the NER estimator's <c>Method</c> option: it trains with the
/// architecture's defaults filled in, predicts every word, exports under its own peft_type with TOKEN_CLS, and reloads.
/// </summary>
public sealed class NamedEntityRecognitionMethodTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-ner-methods-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public NamedEntityRecognitionMethodTests()
    {
        _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
    }

    /// <summary>A method per row: its config with no targets set, and a tensor-name fragment its exported adapter must hold.</summary>
    public static TheoryData<string, string> Methods => new()
    {
        { "LOKR", "lokr_w1" },
        { "IA3", "ia3_l" },
        { "LN_TUNING", "ln_tuning_layers.weight" },
        { "VERA", "vera_lambda_b" },
        { "BOTTLENECK", "adapter_down.weight" },
        { "SINGULAR_VALUE_TUNING", "svd_delta_s" },
    };

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Fit_WithMethodOption_TrainsExportsAndReloads(string peftType, string tensorName)
    {
        var sentences = TaggedSentences.Create(40, seed: 3);
        var data = _ml.Data.LoadFromEnumerable(sentences);
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Tags").Append(_ml.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions
        {
            Backbone = _backbone,
            Method = CreateConfig(peftType),
            Epochs = 1,
            LearningRate = 1e-2,
        }));

        var model = pipeline.Fit(data);
        using var tagger = model.LastTransformer;
        var tags = Tags(model, data);
        Assert.Equal(sentences.Select(s => s.Tokens.Length), tags.Select(t => t.Length));
        Assert.True(tagger.TrainingInfo!.TrainableParameters > (32 * tagger.TagCount) + tagger.TagCount, "only the head trained");

        string folder = Path.Combine(_directory, "adapter");
        tagger.SaveAdapter(folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal(peftType, config["peft_type"]!.GetValue<string>());
        Assert.Equal("TOKEN_CLS", config["task_type"]!.GetValue<string>());
        using (var scope = NewDisposeScope())
        {
            var keys = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName)).Keys.ToList();
            Assert.Contains(keys, k => k.Contains(tensorName, StringComparison.Ordinal));
            Assert.Contains("base_model.model.classifier.weight", keys);
        }

        string path = Path.Combine(_directory, "ner.zip");
        _ml.Peft().Model.Save(model, data.Schema, path);
        var loaded = _ml.Peft().Model.Load(path, out _);
        Assert.Equal(tags, Tags(loaded, data));
        (loaded as IDisposable)?.Dispose();
    }

    [Fact]
    public void Fit_VeraWithDomainAdaptation_StartsFromThePretrainedVectorsAndTheirProjections()
    {
        // VeRA's shared projections are saved outside every module (base_model.vera_A/B); the transfer from the masked-language
        // model must carry them with the per-layer vectors rather than lose them among the head's tensors.
        var unlabelled = _ml.Data.LoadFromEnumerable(TaggedSentences.Create(48, seed: 11).Select(s => new TextRow { Text = string.Join(' ', s.Tokens) }));
        var data = _ml.Data.LoadFromEnumerable(TaggedSentences.Create(24, seed: 3));
        var estimator = _ml.Transforms.Conversion.MapValueToKey("Tags").Append(_ml.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions
        {
            Backbone = _backbone,
            Method = new VeraConfig { Rank = 16 },
            Epochs = 1,
            LearningRate = 1e-2,
            DomainAdaptationSet = unlabelled,
            DomainAdaptationEpochs = 1,
        }));
        var logs = new List<string>();
        _ml.Log += (_, e) => logs.Add(e.RawMessage);

        using var tagger = estimator.Fit(data).LastTransformer;

        // Query, key and value of 2 layers, λ_b and λ_d each, plus vera_A and vera_B.
        Assert.Contains(logs, l => l.StartsWith("Started the tagging adapter from domain-adaptive pre-training (14 tensors)", StringComparison.Ordinal));
        Assert.True(tagger.TrainingInfo!.DomainAdaptationLoss is > 0 and < 20, $"MLM loss {tagger.TrainingInfo.DomainAdaptationLoss}");
    }

    private static PeftConfig CreateConfig(string peftType) => peftType switch
    {
        "LOKR" => new LoKrConfig { Rank = 2, Alpha = 4 },
        "IA3" => new IA3Config(),
        "LN_TUNING" => new LayerNormTuningConfig(),
        "VERA" => new VeraConfig { Rank = 16 },
        "BOTTLENECK" => BottleneckConfig.Houlsby(),
        "SINGULAR_VALUE_TUNING" => new SingularValueTuningConfig(),
        _ => throw new ArgumentOutOfRangeException(nameof(peftType), peftType, "No config for this method in the test."),
    };

    private sealed class TextRow
    {
        public string Text { get; set; } = string.Empty;
    }

    private List<uint[]> Tags(ITransformer model, IDataView data) =>
        model.Transform(data).GetColumn<VBuffer<uint>>("PredictedTags").Select(v => v.DenseValues().ToArray()).ToList();
}
