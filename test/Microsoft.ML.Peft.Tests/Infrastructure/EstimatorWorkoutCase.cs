// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>One task estimator as <see cref="EstimatorWorkout"/> exercises it, without its row types.</summary>
internal interface IEstimatorWorkoutCase
{
    string Name { get; }

    /// <summary>Writes the tiny backbone folder the task trains on, returning the folder.</summary>
    Func<string, string> WriteBackbone { get; }

    void Run(PretrainedModel backbone, string directory);
}

/// <summary>
/// What <see cref="EstimatorWorkout"/> needs to know about one task: its rows, the preprocessing that turns them into the
/// estimator's input (label to key), the estimator built through the public catalog, and the two columns it reads.
/// </summary>
/// <typeparam name="TRow">The input row; it must carry every column <see cref="Preprocess"/> and the estimator read.</typeparam>
/// <typeparam name="TPrediction">The output row: public settable properties named after the columns the estimator adds.</typeparam>
internal sealed class EstimatorWorkoutCase<TRow, TPrediction> : IEstimatorWorkoutCase
    where TRow : class
    where TPrediction : class, new()
{
    public required string Name { get; init; }

    public Func<string, string> WriteBackbone { get; init; } = directory => TinyBertFolder.Write(directory);

    /// <summary>Generated rows: (count, seed) to rows, the same rows for the same arguments.</summary>
    public required Func<int, int, IEnumerable<TRow>> Rows { get; init; }

    /// <summary>The steps before the estimator, fitted on the training rows (usually MapValueToKey of the label).</summary>
    public required Func<MLContext, IEstimator<ITransformer>> Preprocess { get; init; }

    /// <summary>The task estimator, on a short schedule, stopping when the token is cancelled.</summary>
    public required Func<MLContext, PretrainedModel, CancellationToken, IEstimator<ITransformer>> Estimator { get; init; }

    /// <summary>The column the estimator reads its input from (text or tokens).</summary>
    public required string InputColumn { get; init; }

    /// <summary>The column the estimator learns from (a key, or a Boolean for a binary classifier).</summary>
    public required string LabelColumn { get; init; }

    /// <summary>
    /// A column whose type the input column does not accept, copied over it to check the type error; null for the label,
    /// which serves every task whose label is of another type than its input (not change detection, whose mask is an image).
    /// </summary>
    public string? WrongTypedColumn { get; init; }

    public void Run(PretrainedModel backbone, string directory) => EstimatorWorkout.Run(this, backbone, directory);

    public override string ToString() => Name;
}
