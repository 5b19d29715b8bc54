// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Training;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// What <see cref="ChangeDetectionEstimator.Fit"/> does: read and decode the image pairs and masks, build the Siamese
/// network with the PEFT method injected into its encoder, hand the loop to the training engine, and wrap the result in a
/// transformer.
/// </summary>
internal static class ChangeDetectorTrainer
{
    internal const string LogName = "ChangeDetector";

    private const string Task = "a change detector";

    internal static ChangeDetectionTransformer Train(MLContext context, ChangeDetectorOptions options, ChangeDetectorColumns columns, IDataView input)
    {
        var backbone = options.Backbone!.AsVision(LogName);
        TrainingDataErrors.RequireRows(input, "training data");
        var training = ChangeDetectionRows.Read(input, columns.Before, columns.After, options.MaskColumnName, "training");
        var tile = TileOf(training, "training");
        if (options.CropSize is int crop && crop > Math.Min(tile.Height, tile.Width))
        {
            throw new ArgumentOutOfRangeException(nameof(options.CropSize), crop, $"`{nameof(options.CropSize)}` is {crop}, larger than the training pairs ({tile}); use at most {Math.Min(tile.Height, tile.Width)}, or null for whole pairs.");
        }

        var validation = options.ValidationSet is { } validationSet
            ? TrainingDataErrors.InValidationSet(() => ReadValidation(validationSet, columns, options.MaskColumnName, tile))
            : null;

        using var run = TaskTrainingRun.Start(context, LogName);
        var device = run.Device;
        var processor = backbone.CreateProcessor();
        var initial = PretrainedAdapter.ToContinue(options, taskType: null, Task, TextTaskAdapters.Loaders, outputModule: null, classCount: 0, options.MaskColumnName);
        run.DrawSeed();
        var network = new ChangeDetectionNetwork(backbone.CreateEncoder());
        PeftModel? peft = null;
        try
        {
            var adapted = run.Adapt(network, MethodConfig(options.Method, backbone), backbone.Model, initial);
            peft = adapted.Peft;
            var scorer = new ChangeDetectorScorer(peft, network, processor, device, options.Threshold);

            // One generator for the whole run, seeded by it: the same MLContext seed draws the same transforms.
            var random = new Random(run.Seed);
            var job = new TrainingJob
            {
                Model = network,
                TrainableParameters = peft.NamedTrainableParameters(),
                ExampleLengths = new int[training.Count],
                ComputeLoss = (indices, dev) =>
                {
                    network.FreezeBatchNorms();
                    var (before, after, mask) = Batch(scorer, training, indices, random, options.Augment, options.CropSize);
                    return ChangeDetectionLoss.Compute(network.call(before.to(dev), after.to(dev)).squeeze(1), mask.to(dev));
                },
                Validation = validation is null
                    ? null
                    : new ValidationEvaluator(
                        "IoU",
                        HigherIsBetter: true,
                        () => Counts(scorer.Score(Pairs(validation), options.PredictionBatchSize), validation.Masks!).IntersectionOverUnion,
                        () => ValidationLoss.Mean(new int[validation.Count], options.PredictionBatchSize, indices =>
                        {
                            var (before, after, mask) = Batch(scorer, validation, indices, random, symmetries: false, cropSize: null);
                            var loss = ChangeDetectionLoss.Compute(network.call(before.to(device), after.to(device)).squeeze(1), mask.to(device));
                            return (loss.mul(indices.Length), indices.Length);
                        })),
            };
            var result = run.Train(options, job, peft);
            var warnings = WarnIfNoChangeFound(run, scorer, validation ?? training, validation is null ? "training data" : "validation set", options);
            var info = new ChangeDetectorTrainingInfo(adapted.Report, result)
            {
                Warnings = warnings,
                TrainingPairs = training.Count,
                ChangeFraction = ChangeFraction(training.Masks!),
                BestEpoch = result.RestoredBestEpoch ? result.BestEpoch : null,
                StoppedEarly = result.StoppedEarly,
            };
            return new ChangeDetectionTransformer(scorer, columns, tile, BackboneReference.Of(backbone.Model), options.PredictionBatchSize, info);
        }
        catch
        {
            peft?.Dispose();
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The user's method (default LoRA with PeftCD's rank 8, alpha 32 and dropout 0.1) completed for this task: the
    /// architecture's default targets when none are set (a ResNet's convolutions, a ViT's attention query and value), the
    /// decoder in <c>modules_to_save</c>, and the backbone as <c>base_model_name_or_path</c>; no task type, as PEFT has none.
    /// </summary>
    internal static PeftConfig MethodConfig(PeftConfig? method, VisionBackbone backbone) =>
        MethodCompletion.Complete(
            method,
            backbone.Model,
            () => new LoraConfig { Rank = ChangeDetectorOptions.Defaults.Rank, Alpha = ChangeDetectorOptions.Defaults.Alpha, Dropout = ChangeDetectorOptions.Defaults.Dropout },
            backbone.Architecture.DefaultTargetModules,
            new[] { ChangeDetectionNetwork.DecoderName }.Union(backbone.UntrainedModules),
            taskType: null);

    /// <summary>The pixel counts of predicted masks against the true ones, summed over the set.</summary>
    internal static ChangeMaskCounts Counts(IReadOnlyList<ChangeMap> predicted, IReadOnlyList<ChangeMask> truth)
    {
        var total = default(ChangeMaskCounts);
        for (int i = 0; i < predicted.Count; i++)
        {
            total += ChangeMaskCounts.Of(predicted[i].Mask, truth[i].ToBooleans());
        }

        return total;
    }

    // The batch's images and masks on the CPU, each pair transformed alike by a symmetry, a crop or both when asked.
    private static (Tensor Before, Tensor After, Tensor Mask) Batch(ChangeDetectorScorer scorer, ChangeDetectionRows rows, int[] indices, Random random, bool symmetries, int? cropSize)
    {
        var before = scorer.Prepare(indices.Select(i => rows.Before[i]).ToList());
        var after = scorer.Prepare(indices.Select(i => rows.After[i]).ToList());
        var mask = stack(indices.Select(i => tensor(rows.Masks![i].Values, new long[] { rows.Masks[i].Height, rows.Masks[i].Width })).ToArray()).to(ScalarType.Float32);
        if (!symmetries && cropSize is null)
        {
            return (before, after, mask);
        }

        var augmented = indices.Select((_, b) => PairedAugmentation.Apply(before[b], after[b], mask[b], random, cropSize, symmetries)).ToList();
        return (stack(augmented.Select(a => a.Item1).ToArray()), stack(augmented.Select(a => a.Item2).ToArray()), stack(augmented.Select(a => a.Item3).ToArray()));
    }

    private static IReadOnlyList<ImagePair> Pairs(ChangeDetectionRows rows) =>
        rows.Before.Select((before, i) => new ImagePair(before, rows.After[i])).ToList();

    // Every pair of one detector has one size: its output columns are vectors of that size.
    private static ChangeTile TileOf(ChangeDetectionRows rows, string role)
    {
        var tile = new ChangeTile(rows.Before[0].Height, rows.Before[0].Width);
        RequireTile(rows, tile, role);
        return tile;
    }

    private static void RequireTile(ChangeDetectionRows rows, ChangeTile tile, string role)
    {
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows.Before[i].Height != tile.Height || rows.Before[i].Width != tile.Width)
            {
                throw new InvalidDataException(
                    $"Row {i} of the {role} data is {rows.Before[i].Width} x {rows.Before[i].Height}, but the first training pair is {tile}. A change detector scores pairs of one size, "
                    + "the size of its output columns: cut every scene into tiles of that size.");
            }
        }
    }

    private static ChangeDetectionRows ReadValidation(IDataView data, ChangeDetectorColumns columns, string maskColumn, ChangeTile tile)
    {
        var rows = ChangeDetectionRows.Read(data, columns.Before, columns.After, maskColumn, "validation");
        RequireTile(rows, tile, "validation");
        return rows;
    }

    private static double ChangeFraction(IReadOnlyList<ChangeMask> masks) =>
        masks.Sum(m => m.Values.Sum(v => (long)v)) / (double)masks.Sum(m => (long)m.Values.Length);

    // A detector that marks no pixel as change on data with change has learned the majority class; say what to try.
    private static IReadOnlyList<string> WarnIfNoChangeFound(TaskTrainingRun run, ChangeDetectorScorer scorer, ChangeDetectionRows rows, string setName, ChangeDetectorOptions options)
    {
        // The training data is checked on a sample, as the classifiers check it, so a large set costs little here.
        var pairs = PredictionCollapse.TrainingSample(Pairs(rows));
        var counts = Counts(scorer.Score(pairs, options.PredictionBatchSize), PredictionCollapse.TrainingSample(rows.Masks!));
        if (counts.TruePositives + counts.FalsePositives > 0 || counts.TruePositives + counts.FalseNegatives == 0)
        {
            return Array.Empty<string>();
        }

        string warning = $"The change detector predicts no change on any pixel of the {setName}, which has {counts.TruePositives + counts.FalseNegatives} changed pixels. "
            + $"Train longer (`{nameof(options.Epochs)}`), raise `{nameof(options.LearningRate)}`, or lower `{nameof(options.Threshold)}` ({options.Threshold}).";
        run.Log.Warning(warning);
        return new[] { warning };
    }
}
