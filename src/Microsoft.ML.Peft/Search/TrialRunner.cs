// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// Fits and evaluates one trial request through the task's own estimator. A trial that trains part of its schedule writes a
/// checkpoint in its own folder, so its next request resumes there; the same point always gets the same seed, so a trial
/// continued rung by rung trains exactly what one uninterrupted run trains.
/// </summary>
internal sealed class TrialRunner
{
    private readonly SearchTask _task;
    private readonly IDataView _train;
    private readonly IDataView _validation;
    private readonly PeftSearchMetric _metric;
    private readonly int _experimentSeed;
    private readonly string _workDirectory;

    internal TrialRunner(SearchTask task, IDataView train, IDataView validation, PeftSearchMetric metric, int experimentSeed, string workDirectory)
    {
        _task = task;
        _train = train;
        _validation = validation;
        _metric = metric;
        _experimentSeed = experimentSeed;
        _workDirectory = workDirectory;
    }

    /// <summary>The options of one trial: the task's, with the point's method and rate and the search's own settings.</summary>
    internal PeftTrainerOptions TrialOptions(TrialRequest request, PeftConfig method, bool merge, CancellationToken cancellationToken)
    {
        var options = _task.Options.CloneForTrial();
        options.Method = method;
        options.InitialAdapterDirectory = null;
        options.LearningRate = request.Point.LearningRate;

        // The search measures every trial itself on its validation set, once per request.
        options.ValidationSet = null;
        options.EarlyStoppingPatience = null;
        options.MergeAdapterForPrediction = merge;
        options.CancellationToken = cancellationToken;
        bool partial = request.ScheduleFraction < 1;
        options.StopAtScheduleFraction = partial ? request.ScheduleFraction : null;
        options.CheckpointDirectory = partial || request.Rung > 0 ? Path.Combine(_workDirectory, $"trial-{request.TrialId}") : null;

        // Only the pause writes a checkpoint.
        options.CheckpointEverySteps = int.MaxValue;
        return options;
    }

    /// <summary>Fits the request and evaluates it; the caller owns the returned model.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled while the trial trained.</exception>
    internal TrialOutcome Run(TrialRequest request, CancellationToken cancellationToken) =>
        Run(request, request.Point.BuildMethod(), merge: true, cancellationToken, evaluate: model => Evaluate(request, model));

    /// <summary>Fits the request with <paramref name="method"/> and evaluates it with <paramref name="evaluate"/>.</summary>
    internal TrialOutcome Run(TrialRequest request, PeftConfig method, bool merge, CancellationToken cancellationToken, Func<PeftTaskTransformer, double> evaluate)
    {
        ProcessPeakMemory.Reset();
        var timer = Stopwatch.StartNew();
        var options = TrialOptions(request, method, merge, cancellationToken);
        var model = _task.CreateEstimator(Context(request), options).Fit(_train);
        try
        {
            double metric = evaluate(model);
            long adapterBytes = AdapterBytes(model, request.TrialId);
            var info = _task.TrainingInfo(model);
            return new TrialOutcome(model, metric, info.Steps, info.TrainableParameters, adapterBytes, timer.Elapsed, ProcessPeakMemory.Read());
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A context whose seed is the point's, so the same point draws the same adapter, head and batches in every request.</summary>
    internal MLContext Context(TrialRequest request) => new(seed: request.Point.TrialSeed(_experimentSeed));

    /// <summary>The validation metric of a fitted model.</summary>
    internal double Evaluate(TrialRequest request, PeftTaskTransformer model) => _task.Evaluate(Context(request), model, _validation, _metric);

    private long AdapterBytes(PeftTaskTransformer model, int trialId)
    {
        string folder = Path.Combine(_workDirectory, $"adapter-{trialId}");
        model.SaveAdapter(folder);
        try
        {
            return new DirectoryInfo(folder).EnumerateFiles().Sum(f => f.Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
