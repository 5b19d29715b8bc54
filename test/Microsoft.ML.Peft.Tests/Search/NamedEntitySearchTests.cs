// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Search;

/// <summary>
/// The rank search of the named-entity recognizer on the tiny BERT: entity F1 on validation, the pre-featurizer leading the best
/// pipeline, and that pipeline saved and reloaded predicting the same tags.
/// </summary>
public sealed class NamedEntitySearchTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-ner-search-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public NamedEntitySearchTests()
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
    public void Grid_EntityF1_BestPipelineStartsWithThePreFeaturizer_AndSavesAndReloads()
    {
        var space = new PeftSearchSpace { LearningRateGridPoints = 1, MinLearningRate = 5e-3, MaxLearningRate = 5e-3 };
        space.Ranks.Clear();
        space.Ranks.Add(2);
        space.Ranks.Add(4);
        var train = _ml.Data.LoadFromEnumerable(TaggedSentences.Create(48, seed: 3));
        var validation = _ml.Data.LoadFromEnumerable(TaggedSentences.Create(24, seed: 4));
        var experiment = _ml.Peft().Auto().CreateNamedEntityExperiment(
            new LoraNamedEntityRecognizerOptions { Backbone = _backbone, Epochs = 2 },
            new PeftExperimentOptions { SearchSpace = space, Strategy = PeftSearchStrategy.Grid, Seed = 5 });

        var result = experiment.Execute(train, validation, _ml.Transforms.Conversion.MapValueToKey("Tags"));
        var pipeline = Assert.IsType<TransformerChain<ITransformer>>(result.BestModel);
        using var tagger = Assert.IsType<LoraNamedEntityRecognitionTransformer>(pipeline.LastTransformer);

        Assert.Equal(PeftSearchMetric.EntityF1, result.Metric);
        Assert.Equal(2, result.Leaderboard.Count);
        Assert.All(result.Leaderboard, t => Assert.InRange(t.Metric, 0, 1));
        Assert.Equal(result.BestTrial.Metric, _ml.Peft().EvaluateNamedEntities(pipeline.Transform(validation), strict: false).MicroF1, 10);

        string path = Path.Combine(_directory, "best.zip");
        _ml.Peft().Model.Save(pipeline, train.Schema, path);
        var reloaded = _ml.Peft().Model.Load(path, out _, _backbone);
        Assert.Equal(Tags(pipeline.Transform(validation)), Tags(reloaded.Transform(validation)));
        (reloaded as IDisposable)?.Dispose();
    }

    private static List<uint[]> Tags(IDataView scored) =>
        scored.GetColumn<VBuffer<uint>>("PredictedTags").Select(v => v.DenseValues().ToArray()).ToList();
}
