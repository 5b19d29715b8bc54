// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// Detects a trained model that predicts one class for every example while the labels hold several: on small data and at
/// a learning rate that is wrong for the method, this is the usual failure, and its accuracy (the majority class's share)
/// can look plausible, so it is said in words.
/// </summary>
internal static class PredictionCollapse
{
    /// <summary>The most training examples scored for the check when there is no validation set.</summary>
    internal const int MaxTrainingExamples = 256;

    /// <summary>
    /// The training examples the check scores without a validation set: all of them up to <see cref="MaxTrainingExamples"/>,
    /// else that many evenly spaced, so data sorted by class still shows every class while the check stays a fraction of an
    /// epoch (an image backbone scores a few dozen images a second on a CPU).
    /// </summary>
    /// <param name="examples">The training examples, or one of their columns (labels, tags): the same positions are taken from each.</param>
    internal static T[] TrainingSample<T>(IReadOnlyList<T> examples) =>
        examples.Count <= MaxTrainingExamples
            ? examples.ToArray()
            : Enumerable.Range(0, MaxTrainingExamples).Select(i => examples[(int)((long)i * examples.Count / MaxTrainingExamples)]).ToArray();

    /// <summary>Returns the warning when every prediction is one class and the labels are not; null otherwise.</summary>
    /// <param name="predicted">Each example's predicted class (0-based).</param>
    /// <param name="labels">Each example's true class (0-based), in the same order.</param>
    /// <param name="setName">What was scored, for example <c>validation set</c> or <c>first 1000 training rows</c>.</param>
    /// <param name="className">The name of a class, for the message.</param>
    /// <param name="options">The options trained with, whose epochs the advice names.</param>
    /// <param name="learningRate">The learning rate trained with.</param>
    internal static string? Check(IReadOnlyList<int> predicted, IReadOnlyList<int> labels, string setName, Func<int, string> className, PeftTrainerOptions options, double learningRate)
    {
        if (predicted.Count < 2 || predicted.Distinct().Count() > 1)
        {
            return null;
        }

        int distinctLabels = labels.Distinct().Count();
        if (distinctLabels < 2)
        {
            return null;
        }

        int only = predicted[0];
        double share = (double)labels.Count(l => l == only) / labels.Count;
        return string.Create(CultureInfo.InvariantCulture,
            $"Every prediction on the {setName} ({predicted.Count} examples) is '{className(only)}', although its labels hold {distinctLabels} classes: "
            + $"the model has collapsed to one class (accuracy {share:P1}, that class's share). Try another `{nameof(PeftTrainerOptions.LearningRate)}` "
            + $"(now {learningRate:G3}; the right one differs by method: about 1e-3 for LoRA, 1e-2 for LN tuning and singular-value tuning), "
            + $"more `{nameof(PeftTrainerOptions.Epochs)}` (now {options.Epochs}), or, with early stopping, `{nameof(PeftTrainerOptions.EarlyStoppingMinEpochs)}` 2 or 3.");
    }
}
