// Licensed under the MIT license. See LICENSE in the repository root.

using System.Reflection;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit.Sdk;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// The contract every task estimator keeps, checked the same way for each (in the spirit of ML.NET's TestEstimatorCore):
/// schema propagation agrees with the fitted transformer, bad input is refused up front, training is reproducible and
/// cancellable, nothing leaks tensors, the prediction paths and persistence agree, and the transformer disposes.
/// Only public API is used, so the workout does not depend on where a task keeps its internals.
/// </summary>
internal static class EstimatorWorkout
{
    private const int TrainingRows = 48;
    private const int Seed = 5;

    internal static void Run<TRow, TPrediction>(EstimatorWorkoutCase<TRow, TPrediction> task, PretrainedModel backbone, string directory)
        where TRow : class
        where TPrediction : class, new()
    {
        var holdoutRows = task.Rows(24, 42).ToList();

        Step(task, "invalid input", () => InvalidInputIsRefused(task, backbone));
        Step(task, "cancellation", () => CancelledTokenStopsFit(task, backbone));

        var first = FitFresh(task, backbone);
        try
        {
            Step(task, "schema", () => SchemasAgree(task, first, backbone));
            var batch = first.Context.Data.CreateEnumerable<TPrediction>(first.Pipeline.Transform(first.Context.Data.LoadFromEnumerable(holdoutRows)), reuseRowObject: false).ToList();
            Step(task, "prediction engine", () => PredictionEngineMatchesTransform(first, holdoutRows, batch));
            Step(task, "save and load", () => SaveAndLoadPredictIdentically(first, holdoutRows, batch, Path.Combine(directory, task.Name + ".zip")));
            Step(task, "same seed", () => SameSeedGivesTheSameModelWithoutLeaks(task, backbone, holdoutRows, batch));
            Step(task, "dispose", () => DisposeFreesAndRefusesFurtherUse(first));
        }
        finally
        {
            first.Disposable.Dispose();
        }
    }

    // A failing step names the task and the contract it broke, since one theory row runs them all.
    private static void Step(IEstimatorWorkoutCase task, string step, Action check)
    {
        try
        {
            check();
        }
        catch (Exception e) when (e is XunitException or InvalidOperationException or NullReferenceException or InvalidCastException)
        {
            throw new XunitException($"{task.Name}, {step}: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private static void InvalidInputIsRefused<TRow, TPrediction>(EstimatorWorkoutCase<TRow, TPrediction> task, PretrainedModel backbone)
        where TRow : class
        where TPrediction : class, new()
    {
        var ml = new MLContext(Seed);
        var raw = ml.Data.LoadFromEnumerable(task.Rows(8, 1));
        var keyed = task.Preprocess(ml).Fit(raw).Transform(raw);
        var estimator = task.Estimator(ml, backbone, CancellationToken.None);
        var invalid = new (string Description, string Column, IDataView Data)[]
        {
            ("missing input column", task.InputColumn, ml.Transforms.DropColumns(task.InputColumn).Fit(keyed).Transform(keyed)),
            ("missing label column", task.LabelColumn, ml.Transforms.DropColumns(task.LabelColumn).Fit(keyed).Transform(keyed)),
            // The key-typed label (or the case's column) under the input's name hides the input column with a column of the wrong type.
            ("wrong-typed input column", task.InputColumn, ml.Transforms.CopyColumns(task.InputColumn, task.WrongTypedColumn ?? task.LabelColumn).Fit(keyed).Transform(keyed)),
        };

        foreach (var (description, column, data) in invalid)
        {
            var fromShape = Record.Exception(() => estimator.GetOutputSchema(SchemaShapes.Of(data.Schema)));
            var fromFit = Record.Exception(() => estimator.Fit(data));
            foreach (var (where, error) in new[] { ("GetOutputSchema", fromShape), ("Fit", fromFit) })
            {
                Assert.True(error is ArgumentOutOfRangeException, $"{description}: {where} threw {error?.GetType().Name ?? "nothing"} instead of ArgumentOutOfRangeException ({error?.Message})");
                Assert.True(error!.Message.Contains(column, StringComparison.Ordinal), $"{description}: {where}'s message does not name column '{column}': {error.Message}");
            }
        }
    }

    private static void CancelledTokenStopsFit<TRow, TPrediction>(EstimatorWorkoutCase<TRow, TPrediction> task, PretrainedModel backbone)
        where TRow : class
        where TPrediction : class, new()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var ml = new MLContext(Seed);
        var raw = ml.Data.LoadFromEnumerable(task.Rows(TrainingRows, 3));
        var keyed = task.Preprocess(ml).Fit(raw).Transform(raw);

        Assert.ThrowsAny<OperationCanceledException>(() => task.Estimator(ml, backbone, cancellation.Token).Fit(keyed));
    }

    private static void SchemasAgree<TRow, TPrediction>(EstimatorWorkoutCase<TRow, TPrediction> task, Fitted first, PretrainedModel backbone)
        where TRow : class
        where TPrediction : class, new()
    {
        var shape = task.Estimator(first.Context, backbone, CancellationToken.None).GetOutputSchema(SchemaShapes.Of(first.Keyed.Schema));
        var schema = first.Transformer.GetOutputSchema(first.Keyed.Schema);
        var visible = schema.Where(c => !c.IsHidden).ToList();

        Assert.Equal(shape.Select(c => c.Name).Order(), visible.Select(c => c.Name).Distinct().Order());
        foreach (var expected in shape)
        {
            var actual = schema[expected.Name];
            var item = (actual.Type as VectorDataViewType)?.ItemType ?? actual.Type;
            var kind = actual.Type is VectorDataViewType vector
                ? vector.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector
                : SchemaShape.Column.VectorKind.Scalar;
            Assert.True(expected.Kind == kind, $"column '{expected.Name}': the estimator says {expected.Kind}, the transformer gives {kind} ({actual.Type})");
            Assert.True(expected.IsKey == item is KeyDataViewType, $"column '{expected.Name}': the estimator says key={expected.IsKey}, the transformer gives {actual.Type}");
            Assert.True(expected.ItemType.RawType == item.RawType, $"column '{expected.Name}': the estimator says {expected.ItemType}, the transformer gives {item}");
            var annotations = actual.Annotations.Schema.Select(a => a.Name).ToHashSet();
            Assert.All(expected.Annotations, a => Assert.True(annotations.Contains(a.Name), $"column '{expected.Name}' lacks annotation '{a.Name}' the estimator promised"));
        }

        // The view Transform returns has the schema GetOutputSchema promised.
        var transformed = first.Transformer.Transform(first.Keyed).Schema;
        Assert.Equal(schema.Select(c => (c.Name, c.Type, c.IsHidden)), transformed.Select(c => (c.Name, c.Type, c.IsHidden)));
    }

    private static void PredictionEngineMatchesTransform<TRow, TPrediction>(Fitted first, List<TRow> rows, List<TPrediction> batch)
        where TRow : class
        where TPrediction : class, new()
    {
        // Not disposed here: disposing a PredictionEngine disposes the transformers of its pipeline, which later steps still use.
        var engine = first.Context.Model.CreatePredictionEngine<TRow, TPrediction>(first.Pipeline);
        _ = engine.Predict(rows[0]);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // Batched scoring pads rows together, so single-row scores agree up to float rounding, and labels exactly.
        for (int i = 0; i < rows.Count; i++)
        {
            AssertSamePrediction(batch[i], engine.Predict(rows[i]), tolerance: 1e-5f, $"row {i}: PredictionEngine against Transform");
        }

        _ = first.Context.Data.CreateEnumerable<TPrediction>(first.Pipeline.Transform(first.Context.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList();
        Assert.True(live == DisposeScopeManager.Statistics.ThreadTotalLiveCount, $"scoring left {DisposeScopeManager.Statistics.ThreadTotalLiveCount - live} tensors alive");
    }

    private static void SaveAndLoadPredictIdentically<TRow, TPrediction>(Fitted first, List<TRow> rows, List<TPrediction> batch, string path)
        where TRow : class
        where TPrediction : class, new()
    {
        first.Context.Peft().Model.Save(first.Pipeline, first.Raw.Schema, path);
        var loaded = first.Context.Peft().Model.Load(path, out var schema);
        try
        {
            Assert.Equal(first.Raw.Schema.Select(c => (c.Name, c.Type)), schema.Select(c => (c.Name, c.Type)));
            var after = first.Context.Data.CreateEnumerable<TPrediction>(loaded.Transform(first.Context.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList();
            Assert.Equal(batch.Count, after.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                AssertSamePrediction(batch[i], after[i], tolerance: 0, $"row {i}: loaded model against the saved one");
            }
        }
        finally
        {
            DisposeAll(loaded);
        }
    }

    private static void SameSeedGivesTheSameModelWithoutLeaks<TRow, TPrediction>(EstimatorWorkoutCase<TRow, TPrediction> task, PretrainedModel backbone, List<TRow> rows, List<TPrediction> batch)
        where TRow : class
        where TPrediction : class, new()
    {
        // The first fit opened the backbone; from here on a whole fit, scoring and dispose must leave no tensor behind.
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var second = FitFresh(task, backbone);
        List<TPrediction> again;
        try
        {
            again = second.Context.Data.CreateEnumerable<TPrediction>(second.Pipeline.Transform(second.Context.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList();
        }
        finally
        {
            second.Disposable.Dispose();
        }

        for (int i = 0; i < batch.Count; i++)
        {
            AssertSamePrediction(batch[i], again[i], tolerance: 0, $"row {i}: second fit with MLContext seed {Seed} against the first");
        }

        Assert.True(live == DisposeScopeManager.Statistics.ThreadTotalLiveCount, $"fit, scoring and dispose left {DisposeScopeManager.Statistics.ThreadTotalLiveCount - live} tensors alive");
    }

    private static void DisposeFreesAndRefusesFurtherUse(Fitted first)
    {
        first.Disposable.Dispose();
        first.Disposable.Dispose();
        Assert.Throws<ObjectDisposedException>(() => first.Transformer.Transform(first.Keyed));
    }

    private static Fitted FitFresh<TRow, TPrediction>(EstimatorWorkoutCase<TRow, TPrediction> task, PretrainedModel backbone)
        where TRow : class
        where TPrediction : class, new()
    {
        var ml = new MLContext(Seed);
        var raw = ml.Data.LoadFromEnumerable(task.Rows(TrainingRows, 3));
        var preprocess = task.Preprocess(ml).Fit(raw);
        var keyed = preprocess.Transform(raw);
        var transformer = task.Estimator(ml, backbone, CancellationToken.None).Fit(keyed);
        var disposable = Assert.IsAssignableFrom<IDisposable>(transformer);
        return new Fitted(ml, raw, keyed, transformer, disposable, new TransformerChain<ITransformer>(preprocess, transformer));
    }

    private static void DisposeAll(ITransformer model)
    {
        foreach (var disposable in (model as IEnumerable<ITransformer> ?? new[] { model }).OfType<IDisposable>())
        {
            disposable.Dispose();
        }
    }

    // Predictions are compared property by property: floats and float arrays within the tolerance, everything else exactly.
    private static void AssertSamePrediction<TPrediction>(TPrediction expected, TPrediction actual, float tolerance, string what)
    {
        foreach (var property in typeof(TPrediction).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? x = property.GetValue(expected);
            object? y = property.GetValue(actual);
            if (x is float[] xs && y is float[] ys)
            {
                Assert.True(xs.Length == ys.Length, $"{what}: {property.Name} has {ys.Length} values instead of {xs.Length}");
                for (int k = 0; k < xs.Length; k++)
                {
                    Assert.True(Math.Abs(xs[k] - ys[k]) <= tolerance, $"{what}: {property.Name}[{k}] is {ys[k]} instead of {xs[k]}");
                }
            }
            else if (x is float xf && y is float yf)
            {
                Assert.True(Math.Abs(xf - yf) <= tolerance, $"{what}: {property.Name} is {yf} instead of {xf}");
            }
            else if (x is System.Collections.IEnumerable xe and not string && y is System.Collections.IEnumerable ye)
            {
                Assert.True(xe.Cast<object>().SequenceEqual(ye.Cast<object>()), $"{what}: {property.Name} differs");
            }
            else
            {
                Assert.True(Equals(x, y), $"{what}: {property.Name} is {y} instead of {x}");
            }
        }
    }

    private sealed record Fitted(MLContext Context, IDataView Raw, IDataView Keyed, ITransformer Transformer, IDisposable Disposable, TransformerChain<ITransformer> Pipeline);
}
