// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;

namespace Microsoft.ML.Peft.Tests.Text.TextClassification;

/// <summary>The text classifier trained with each method that is not LoRA, on a tiny random BERT.</summary>
public sealed class PeftMethodTextClassificationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-textcls-methods-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public PeftMethodTextClassificationTests()
    {
        _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
    }

    // Tiny BERT: 2 layers, hidden 32; the default targets are query and value (32×32); the head adds 32·2 + 2.
    // Singular values and LU pivots are few, coarse parameters (128 and 16 here): they take a larger step than LoRA
    // factors and, on a random tiny backbone, reach a lower accuracy than LoRA-shaped adapters (about 0.7 against 0.85+).
    // The trained tensor starts at zero for each row, so the export shows whether the adapter itself trained.
    public static TheoryData<string, long, double, double, string> Methods => new()
    {
        { "singular-value tuning", 2 * 2 * 32, 5e-2, 0.65, "svd_delta_s" },
        { "LoLDU", 2 * 2 * 4, 5e-2, 0.65, "loldu_diag" },
        { "DyLoRA", 2 * 2 * 4 * (32 + 32), 1e-2, 0.85, "dylora_B.weight" },
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
    public void Fit_WithMethod_TrainsTheAdapterAndPredicts(string method, long adapterParameters, double learningRate, double minimumAccuracy, string trainedTensor)
    {
        var data = _ml.Data.LoadFromEnumerable(SentimentRows.Create(160, seed: 3));
        var estimator = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Method = Config(method),
            Epochs = 10,
            BatchSize = 16,
            LearningRate = learningRate,
        }));

        var model = estimator.Fit(data);
        using var trained = model.LastTransformer;
        var info = trained.TrainingInfo!;
        Assert.Equal(adapterParameters + (32 * 2) + 2, info.TrainableParameters);
        Assert.Equal(10 * 10, info.Steps);

        string adapterFolder = Path.Combine(_directory, "adapter");
        trained.SaveAdapter(adapterFolder);
        using (var scope = torch.NewDisposeScope())
        {
            var tensors = SafeTensorsFile.Read(Path.Combine(adapterFolder, PeftModel.AdapterWeightsFileName)).Where(p => p.Key.EndsWith("." + trainedTensor, StringComparison.Ordinal)).ToList();
            Assert.Equal(2 * 2, tensors.Count);
            Assert.All(tensors, p => Assert.True(p.Value.abs().sum().item<float>() > 0, $"'{p.Key}' did not train"));
        }

        var holdout = _ml.Data.LoadFromEnumerable(SentimentRows.Create(40, seed: 42));
        var metrics = _ml.MulticlassClassification.Evaluate(model.Transform(holdout));
        Assert.True(metrics.MicroAccuracy >= minimumAccuracy, $"{method}: held-out accuracy {metrics.MicroAccuracy:F3}");
        var scores = model.Transform(holdout).GetColumn<float[]>("Score").ToList();
        Assert.Equal(40, scores.Count);
        Assert.All(scores, s => Assert.True(s.Length == 2 && s.All(float.IsFinite) && Math.Abs(s.Sum() - 1) < 1e-4, "scores must be probabilities"));

        // The saved pipeline re-creates the adapter on a freshly loaded backbone (LoLDU and SVD decompose it again).
        string path = Path.Combine(_directory, "model.zip");
        _ml.Peft().Model.Save(model, data.Schema, path);
        var loaded = _ml.Peft().Model.Load(path, out _);
        var reloaded = loaded.Transform(holdout).GetColumn<float[]>("Score").ToList();
        for (int i = 0; i < scores.Count; i++)
        {
            Assert.Equal(scores[i], reloaded[i], new FloatTolerance(1e-4f));
        }

        ((IDisposable)((TransformerChain<ITransformer>)loaded).First(t => t is LoraTextClassificationTransformer)).Dispose();
    }

    private static PeftConfig Config(string method) => method switch
    {
        "singular-value tuning" => new SingularValueTuningConfig(),
        "LoLDU" => new LoLduConfig { Rank = 4, Initialization = LoLduInitialization.Zeros },
        "DyLoRA" => new DyLoraConfig { Rank = 4, Alpha = 8 },
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown method"),
    };
}
