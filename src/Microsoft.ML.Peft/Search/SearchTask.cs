// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// What a rank search needs of a task: its options as every trial's starting point, the metrics it produces, a fit of one
/// trial and the evaluation of a fitted model. A task folder supplies one (the text classifier's is
/// <c>TextClassificationSearchTask</c>), so the search never names a task.
/// </summary>
internal abstract class SearchTask
{
    private protected SearchTask(string name, PeftTrainerOptions options)
    {
        Name = name;
        Options = options;
    }

    /// <summary>The task's name in messages ("text classification").</summary>
    internal string Name { get; }

    /// <summary>The user's task options; each trial changes a copy (<see cref="PeftTrainerOptions.CloneForTrial"/>).</summary>
    internal PeftTrainerOptions Options { get; }

    /// <summary>The metric searched when the experiment names none.</summary>
    internal abstract PeftSearchMetric DefaultMetric { get; }

    /// <summary>The metrics the task produces for data of this schema (AUROC only with a Boolean label, say).</summary>
    internal abstract IReadOnlyList<PeftSearchMetric> MetricsFor(DataViewSchema schema);

    /// <summary>The input columns the task reads, which a validation set must have with the training data's types.</summary>
    internal abstract IReadOnlyList<string> InputColumns { get; }

    /// <summary>The task's estimator for one trial's options, built on <paramref name="context"/> (whose seed is the trial's).</summary>
    internal abstract IEstimator<PeftTaskTransformer> CreateEstimator(MLContext context, PeftTrainerOptions trialOptions);

    /// <summary>The training report of a model the task's estimator fitted (trainable parameters, steps, training time).</summary>
    internal abstract PeftTrainingInfo TrainingInfo(PeftTaskTransformer model);

    /// <summary>Scores <paramref name="validation"/> with <paramref name="model"/> and returns <paramref name="metric"/>.</summary>
    internal abstract double Evaluate(MLContext context, PeftTaskTransformer model, IDataView validation, PeftSearchMetric metric);
}
