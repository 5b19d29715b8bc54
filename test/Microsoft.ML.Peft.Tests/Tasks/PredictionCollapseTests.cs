// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Tests.Tasks;

public sealed class PredictionCollapseTests
{
    private static readonly LoraTextClassifierOptions s_options = new() { Epochs = 4 };

    [Fact]
    public void Check_OneClassPredictedForMixedLabels_SaysSoWithTheShareAndWhatToTry()
    {
        string? warning = PredictionCollapse.Check(new[] { 1, 1, 1, 1 }, new[] { 0, 1, 1, 0 }, "validation set", c => c == 1 ? "spam" : "ham", s_options, learningRate: 1e-3);

        Assert.NotNull(warning);
        Assert.Contains("Every prediction on the validation set (4 examples) is 'spam', although its labels hold 2 classes", warning);
        Assert.Contains("accuracy 50.0 %", warning);
        Assert.Contains("`LearningRate` (now 0.001", warning);
        Assert.Contains("`Epochs` (now 4)", warning);
    }

    [Theory]
    [InlineData(new[] { 0, 1, 1, 1 }, new[] { 0, 1, 1, 0 })]
    [InlineData(new[] { 1, 1, 1 }, new[] { 1, 1, 1 })]
    [InlineData(new[] { 1 }, new[] { 0 })]
    public void Check_MixedPredictionsOrOneClassLabelsOrOneExample_IsSilent(int[] predicted, int[] labels)
    {
        Assert.Null(PredictionCollapse.Check(predicted, labels, "training data", c => c.ToString(), s_options, learningRate: 1e-3));
    }

    [Fact]
    public void TrainingSample_LargeData_IsEvenlySpacedSoSortedClassesAllAppear()
    {
        Assert.Equal(Enumerable.Range(0, 10), PredictionCollapse.TrainingSample(Enumerable.Range(0, 10).ToArray()));

        int[] sample = PredictionCollapse.TrainingSample(Enumerable.Range(0, 1000).ToArray());

        Assert.Equal(PredictionCollapse.MaxTrainingExamples, sample.Length);
        Assert.Equal(0, sample[0]);
        Assert.True(sample[^1] >= 990, $"last index {sample[^1]}");
        Assert.Equal(sample.Length, sample.Distinct().Count());
    }
}
