// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Tests.Tasks;

/// <summary>The options every task shares: one set of defaults, with each task's batch sizes and rate.</summary>
public sealed class PeftTrainerOptionsTests
{
    [Fact]
    public void Defaults_SharedOnesAreTheSameForEveryTask_TaskOnesComeFromTheTask()
    {
        PeftTrainerOptions classifier = new LoraTextClassifierOptions();
        PeftTrainerOptions tagger = new LoraNamedEntityRecognizerOptions();

        foreach (var options in new[] { classifier, tagger })
        {
            Assert.Equal(3, options.Epochs);
            Assert.Equal(0.01, options.WeightDecay);
            Assert.Equal(0.06, options.WarmupFraction);
            Assert.Equal(1.0, options.MaxGradientNorm);
            Assert.Equal(200, options.CheckpointEverySteps);
            Assert.True(options.MergeAdapterForPrediction);
            Assert.Null(options.Backbone);
            Assert.Null(options.Method);
            Assert.Null(options.MaxSequenceLength);
            Assert.Null(options.LearningRate);
        }

        Assert.Equal((LoraTextClassifierOptions.Defaults.BatchSize, 64), (classifier.BatchSize, classifier.PredictionBatchSize));
        Assert.Equal((LoraNamedEntityRecognizerOptions.Defaults.BatchSize, 32), (tagger.BatchSize, tagger.PredictionBatchSize));
    }

    [Fact]
    public void RequireBackbone_Missing_NamesTheOptionAndAnExample()
    {
        var error = Assert.Throws<ArgumentNullException>(() => TrainerOptionsValidator.RequireBackbone(new LoraTextClassifierOptions(), "some-model"));

        Assert.Contains("`Backbone` is required", error.Message);
        Assert.Contains("PretrainedModel.FromDirectory(\"some-model\")", error.Message);
    }

    [Theory]
    [InlineData(nameof(PeftTrainerOptions.Epochs))]
    [InlineData(nameof(PeftTrainerOptions.BatchSize))]
    [InlineData(nameof(PeftTrainerOptions.PredictionBatchSize))]
    [InlineData(nameof(PeftTrainerOptions.CheckpointEverySteps))]
    public void Positive_Zero_NamesTheOption(string option)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TrainerOptionsValidator.Positive(0, option));

        Assert.Contains($"`{option}` must be positive, got 0.", error.Message);
    }

    [Fact]
    public void LearningRate_Unset_IsTheMethodsDefaultOfTheReadmeTable()
    {
        var options = new LoraTextClassifierOptions();
        var expected = new (PeftConfig Method, double Rate)[]
        {
            (new LoraConfig(), 1e-3), (new LoraConfig { UseDora = true }, 1e-3), (new LoHaConfig(), 1e-3), (new LoKrConfig(), 3e-3),
            (new IA3Config(), 5e-3), (new LayerNormTuningConfig(), 1e-2), (new SingularValueTuningConfig(), 1e-2), (new VeraConfig(), 1e-2),
        };

        Assert.All(expected, e => Assert.Equal(e.Rate, TaskTrainingRun.LearningRate(options, e.Method)));
        options.LearningRate = 2e-4;
        Assert.Equal(2e-4, TaskTrainingRun.LearningRate(options, new LayerNormTuningConfig()));
    }
}
