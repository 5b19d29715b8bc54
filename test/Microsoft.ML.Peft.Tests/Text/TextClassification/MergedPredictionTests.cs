// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Text.TextClassification;

/// <summary>
/// For every method, the classifier merged for prediction (the default) scores exactly as the same training left
/// unmerged: merging is an optimization, never a change of the model.
/// </summary>
public sealed class MergedPredictionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-merged-prediction-" + Guid.NewGuid().ToString("N"));
    private readonly PretrainedModel _backbone;

    public MergedPredictionTests()
    {
        _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
    }

    public static TheoryData<string> Methods => new()
    {
        "LORA", "DORA", "LOKR", "LOHA", "VERA", "RANDLORA", "IA3", "LN_TUNING", "SINGULAR_VALUE_TUNING", "LOLDU", "DYLORA", "PACA",
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
    public void MergedForPrediction_ScoresAsTheUnmergedModel(string method)
    {
        var merged = Scores(method, merge: true);
        var unmerged = Scores(method, merge: false);

        Assert.Equal(unmerged.Count, merged.Count);
        float worst = merged.Zip(unmerged).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
        Assert.True(worst <= 1e-4f, $"merged scores differ from unmerged ones by up to {worst:G4}");

        // The comparison means something only if training moved the model away from the untrained head's scores.
        Assert.True(unmerged.Select(s => s[0]).Distinct().Count() > 1, "every row got the same score");
    }

    private List<float[]> Scores(string method, bool merge)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SentimentRows.Create(64, seed: 3));
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Method = CreateConfig(method),
            Epochs = 3,
            BatchSize = 16,
            LearningRate = 5e-2,
            MergeAdapterForPrediction = merge,
        })).Fit(data);
        using var classifier = model.LastTransformer;
        var holdout = ml.Data.LoadFromEnumerable(SentimentRows.Create(40, seed: 42));
        return model.Transform(holdout).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToList();
    }

    private static PeftConfig CreateConfig(string method) => method switch
    {
        "LORA" => new LoraConfig { Rank = 4, Alpha = 8 },
        "DORA" => new LoraConfig { Rank = 4, Alpha = 8, UseDora = true },
        "LOKR" => new LoKrConfig { Rank = 2, Alpha = 4 },
        "LOHA" => new LoHaConfig { Rank = 2, Alpha = 4 },
        "VERA" => new VeraConfig { Rank = 16 },
        "RANDLORA" => new RandLoraConfig { Rank = 8, Alpha = 16 },
        "IA3" => new IA3Config(),
        "LN_TUNING" => new LayerNormTuningConfig(),
        "SINGULAR_VALUE_TUNING" => new SingularValueTuningConfig(),
        "LOLDU" => new LoLduConfig { Rank = 4 },
        "DYLORA" => new DyLoraConfig { Rank = 4, Alpha = 8 },
        "PACA" => new PacaConfig { Rank = 4, Alpha = 4 },
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "No config for this method in the test."),
    };
}
