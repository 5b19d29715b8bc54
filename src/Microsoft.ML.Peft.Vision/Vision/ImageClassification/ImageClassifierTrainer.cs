// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Training;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// What <see cref="ImageClassificationEstimator.Fit"/> does: read and decode the images, build the classifier with the PEFT
/// method injected, hand the loop to the training engine, and wrap the result in a transformer.
/// </summary>
internal static class ImageClassifierTrainer
{
    internal const string LogName = "ImageClassifier";

    /// <summary>The image classifier's recipe: LoRA on the architecture's default targets, a new linear head, cross-entropy.</summary>
    internal static ImageClassifierRecipe Recipe { get; } = new()
    {
        LogName = LogName,
        Task = "an image classifier",
        DefaultMethod = _ => new LoraConfig { Rank = ImageClassifierOptions.Defaults.Rank, Alpha = ImageClassifierOptions.Defaults.Alpha, Dropout = 0.1 },
        DefaultTargets = backbone => backbone.Architecture.DefaultTargetModules,
    };

    internal static ImageClassificationTransformer Train(MLContext context, ImageClassifierOptionsBase options, ImageClassifierColumns columns, IDataView input, ImageClassifierRecipe recipe)
    {
        var backbone = options.Backbone!.AsVision(recipe.LogName);
        TrainingDataErrors.RequireRows(input, "training data");
        ImageColumn.Find(input.Schema, columns.Image);
        var label = ClassifierLabel.Of(input.Schema, options.LabelColumnName);
        var training = ImageClassificationRows.Read(input, columns.Image, options.LabelColumnName, "training");
        recipe.CheckLabel?.Invoke(label, training, options.LabelColumnName);
        var validation = options.ValidationSet is { } validationSet ? TrainingDataErrors.InValidationSet(() => ReadValidation(validationSet, columns, options.LabelColumnName, label)) : null;

        using var run = TaskTrainingRun.Start(context, recipe.LogName);
        var device = run.Device;
        var processor = backbone.CreateProcessor();
        var augmentation = options.Augment ? new ImageAugmentation(processor.OutputHeight, processor.OutputWidth) : null;

        var prompts = ImageClassifierHeads.Prompts(recipe, backbone, label, options.LabelColumnName);
        var initial = PretrainedAdapter.ToContinue(
            options, taskType: null, recipe.Task, TextTaskAdapters.Loaders, prompts is null ? backbone.Architecture.ImageClassifierHeadModules[0] : null, label.ClassCount, options.LabelColumnName);
        run.DrawSeed();
        var network = ImageClassifierHeads.Create(backbone, label.ClassCount, recipe.HeadInput, prompts);
        PeftModel? peft = null;
        try
        {
            if (recipe.StartHead is { } startHead && network.Head is not null && initial is null)
            {
                startHead(network, processor, training);
            }

            var adapted = run.Adapt(network, MethodConfig(options.Method, backbone, recipe, network), backbone.Model, initial);
            peft = adapted.Peft;
            var scorer = new ImageClassifierNetwork(peft, network, processor, device);
            var job = new TrainingJob
            {
                Model = network,
                TrainableParameters = peft.NamedTrainableParameters(),
                ExampleLengths = new int[training.Count],
                ComputeLoss = (indices, dev) =>
                {
                    network.FreezeBatchNorms();
                    var pixels = scorer.Prepare(indices.Select(i => training.Images[i]).ToList());
                    if (augmentation is not null)
                    {
                        pixels = augmentation.Apply(pixels);
                    }

                    using var target = tensor(indices.Select(i => (long)training.Labels[i]).ToArray(), device: dev);
                    return recipe.ComputeLoss(network, pixels, target);
                },
                Validation = validation is null
                    ? null
                    : new ValidationEvaluator(
                        "accuracy",
                        HigherIsBetter: true,
                        () => Accuracy(scorer.Score(validation.Images, options.PredictionBatchSize), validation.Labels),
                        () => ValidationLoss.Mean(new int[validation.Count], options.PredictionBatchSize, indices =>
                        {
                            var pixels = scorer.Prepare(indices.Select(i => validation.Images[i]).ToList());
                            using var target = tensor(indices.Select(i => (long)validation.Labels[i]).ToArray(), device: device);
                            return (nn.functional.cross_entropy(network.call(pixels), target, reduction: nn.Reduction.Sum), indices.Length);
                        })),
            };
            var result = run.Train(options, job, peft);
            var (checkedImages, checkedLabels, checkedSet) = validation is null
                ? (PredictionCollapse.TrainingSample(training.Images), PredictionCollapse.TrainingSample(training.Labels), "training data")
                : (validation.Images, validation.Labels, "validation set");
            var predicted = scorer.Score(checkedImages, options.PredictionBatchSize).Select(p => p.Predicted).ToArray();
            var warnings = run.WarnIfCollapsed(predicted, checkedLabels.Take(predicted.Length).ToArray(), checkedSet, label.ClassName, options, TaskTrainingRun.LearningRate(options, peft.GetConfig(peft.ActiveAdapter)));
            var info = new ImageClassifierTrainingInfo(adapted.Report, result)
            {
                Warnings = warnings,
                TrainingRows = training.Count,
                BestEpoch = result.RestoredBestEpoch ? result.BestEpoch : null,
                StoppedEarly = result.StoppedEarly,
            };
            return new ImageClassificationTransformer(scorer, columns, label, BackboneReference.Of(backbone.Model), options.PredictionBatchSize, info);
        }
        catch
        {
            peft?.Dispose();
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The user's method (default LoRA) completed for this task: the architecture's default targets when none are set, the
    /// head in <c>modules_to_save</c>, and the backbone as <c>base_model_name_or_path</c>. PEFT has no task type for image
    /// classification (its examples leave <c>task_type</c> unset), so none is written.
    /// </summary>
    internal static PeftConfig MethodConfig(PeftConfig? method, VisionBackbone backbone, ImageClassifierRecipe recipe, ImageClassifierModel network) =>
        MethodCompletion.Complete(method, backbone.Model, () => recipe.DefaultMethod(backbone), recipe.DefaultTargets(backbone), network.HeadModules.Union(backbone.UntrainedModules), taskType: null);

    private static ImageClassificationRows ReadValidation(IDataView data, ImageClassifierColumns columns, string labelColumnName, ClassifierLabel label)
    {
        ImageColumn.Find(data.Schema, columns.Image);
        label.RequireSameIn(data.Schema, labelColumnName);

        return ImageClassificationRows.Read(data, columns.Image, labelColumnName, "validation");
    }

    private static double Accuracy(ClassScores[] scores, int[] labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            correct += scores[i].Predicted == labels[i] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }
}
