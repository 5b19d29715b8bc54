// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Training;
using TorchSharp;
using static TorchSharp.torch;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// What <see cref="LoraTextClassificationEstimator.Fit"/> does: read and tokenize the rows, build the network with the PEFT
/// method injected, hand the loop to <see cref="PeftTrainingEngine"/>, and wrap the result in a transformer.
/// </summary>
internal static class TextClassifierTrainer
{
    private const string LogName = "LoraTextClassifier";

    internal static LoraTextClassificationTransformer Train(MLContext context, LoraTextClassifierOptions options, TextClassifierColumns columns, IDataView input)
    {
        var backbone = options.Backbone!.AsText(LogName);
        columns.CheckInput(input.Schema);
        TrainingDataErrors.RequireRows(input, "training data");
        var label = ClassifierLabel.Of(input.Schema, options.LabelColumnName);
        var training = TextClassificationRows.Read(input, columns.TextColumn, columns.SecondTextColumn, options.LabelColumnName, "training");
        var validation = options.ValidationSet is { } validationSet ? TrainingDataErrors.InValidationSet(() => ReadValidation(validationSet, columns, options.LabelColumnName, label)) : null;

        using var run = TaskTrainingRun.Start(context, LogName);
        var device = run.Device;
        var tokenizer = backbone.CreateTokenizer(options.MaxSequenceLength);
        var encoded = Encode(training, tokenizer);
        int truncated = encoded.Count(e => e.Truncated);
        if (truncated > 0)
        {
            run.Log.Warning($"{truncated} of {encoded.Length} training rows were longer than {tokenizer.MaxLength} tokens and were truncated.");
        }

        var encodedValidation = validation is null ? null : Encode(validation, tokenizer);

        var initial = PretrainedAdapter.ToContinue(
            options, TextClassifierAdapterLoader.TaskType, "a text classifier", TextClassifierAdapterLoader.OtherTasks, backbone.Architecture.SequenceClassifierOutputModule, label.ClassCount, options.LabelColumnName);
        run.DrawSeed();
        var network = backbone.Architecture.CreateSequenceClassifier(backbone.CreateEncoder(), label.ClassCount);
        PeftModel? peft = null;
        try
        {
            var adapted = run.Adapt(network, MethodConfig(options.Method, backbone), backbone.Model, initial);
            peft = adapted.Peft;
            var report = adapted.Report;

            var job = new TrainingJob
            {
                Model = network,
                TrainableParameters = peft.NamedTrainableParameters(),
                ExampleLengths = encoded.Select(e => e.Length).ToArray(),
                ComputeLoss = (indices, dev) =>
                {
                    var (ids, types, mask) = EncodedBatch.Collate(indices.Select(i => encoded[i]).ToList(), tokenizer.Layout.PadId, dev);
                    using var target = tensor(indices.Select(i => (long)training.Labels[i]).ToArray(), device: dev);
                    return nn.functional.cross_entropy(network.call(ids, types, mask), target);
                },
                Validation = encodedValidation is null
                    ? null
                    : new ValidationEvaluator(
                        "accuracy",
                        HigherIsBetter: true,
                        () => Accuracy(peft, network, tokenizer, device, encodedValidation, validation!.Labels, options.PredictionBatchSize),
                        () => ValidationLoss.Mean(encodedValidation.Select(e => e.Length).ToArray(), options.PredictionBatchSize, indices =>
                        {
                            var (ids, types, mask) = EncodedBatch.Collate(indices.Select(i => encodedValidation[i]).ToList(), tokenizer.Layout.PadId, device);
                            using var target = tensor(indices.Select(i => (long)validation!.Labels[i]).ToArray(), device: device);
                            return (nn.functional.cross_entropy(network.call(ids, types, mask), target, reduction: nn.Reduction.Sum), indices.Length);
                        })),
            };
            var result = run.Train(options, job, peft);
            var scorer = new TextClassifierNetwork(peft, network, tokenizer, device);
            var (checkedRows, checkedLabels, checkedSet) = encodedValidation is null
                ? (PredictionCollapse.TrainingSample(encoded), PredictionCollapse.TrainingSample(training.Labels), "training data")
                : (encodedValidation, validation!.Labels, "validation set");
            var predicted = scorer.Score(checkedRows, options.PredictionBatchSize).Select(p => p.Predicted).ToArray();
            var warnings = run.WarnIfCollapsed(predicted, checkedLabels.Take(predicted.Length).ToArray(), checkedSet, label.ClassName, options, TaskTrainingRun.LearningRate(options, peft.GetConfig(peft.ActiveAdapter)));
            var info = new TextClassifierTrainingInfo(report, result)
            {
                Warnings = warnings,
                TrainingRows = training.Count,
                TruncatedTrainingRows = truncated,
                BestEpoch = result.RestoredBestEpoch ? result.BestEpoch : null,
                StoppedEarly = result.StoppedEarly,
            };
            return new LoraTextClassificationTransformer(
                scorer, columns, label, BackboneReference.Of(backbone.Model), options.PredictionBatchSize, info);
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
    /// head in <c>modules_to_save</c>, <c>task_type</c> SEQ_CLS and the backbone as <c>base_model_name_or_path</c>.
    /// </summary>
    internal static PeftConfig MethodConfig(PeftConfig? method, TextBackbone backbone) =>
        MethodCompletion.Complete(method, backbone.Model, DefaultMethod, backbone.Architecture.DefaultTargetModules, backbone.Architecture.SequenceClassifierHeadModules.Union(backbone.UntrainedModules), "SEQ_CLS");

    private static PeftConfig DefaultMethod() => new LoraConfig { Rank = LoraTextClassifierOptions.Defaults.Rank, Alpha = LoraTextClassifierOptions.Defaults.Alpha, Dropout = 0.1 };

    private static EncodedText[] Encode(TextClassificationRows rows, TextTokenizer tokenizer) =>
        Enumerable.Range(0, rows.Count).Select(i => tokenizer.Encode(rows.Texts[i], rows.SecondTexts?[i])).ToArray();

    private static TextClassificationRows ReadValidation(IDataView data, TextClassifierColumns columns, string labelColumnName, ClassifierLabel label)
    {
        columns.CheckInput(data.Schema);
        label.RequireSameIn(data.Schema, labelColumnName);

        return TextClassificationRows.Read(data, columns.TextColumn, columns.SecondTextColumn, labelColumnName, "validation");
    }

    private static double Accuracy(PeftModel peft, SequenceClassifierModel network, TextTokenizer tokenizer, Device device, EncodedText[] rows, int[] labels, int batchSize)
    {
        // A scorer over the live network (not disposed here: it owns nothing new).
        var scorer = new TextClassifierNetwork(peft, network, tokenizer, device);
        var scores = scorer.Score(rows, batchSize);
        int correct = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            correct += scores[i].Predicted == labels[i] ? 1 : 0;
        }

        return (double)correct / rows.Length;
    }
}
