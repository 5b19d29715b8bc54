// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Text.DomainAdaptation;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// What <see cref="LoraNamedEntityRecognitionEstimator.Fit"/> does: read the sentences, split them into word-aligned windows,
/// build the token classifier with the PEFT method injected, hand the loop to <see cref="PeftTrainingEngine"/>, wrap the result.
/// Each window is one training example; its loss covers the first sub-token of the words it owns.
/// </summary>
internal static class NamedEntityTrainer
{
    private const string LogName = "LoraNamedEntityRecognizer";

    internal static LoraNamedEntityRecognitionTransformer Train(MLContext context, LoraNamedEntityRecognizerOptions options, NamedEntityColumns columns, IDataView input)
    {
        var backbone = options.Backbone!.AsText(LogName);
        TrainingDataErrors.RequireRows(input, "training data");
        columns.CheckInput(input.Schema);
        var (_, tagCount, tagNames) = ClassColumn.Of(FindTags(input.Schema, options.TagsColumnName));
        if (columns.TextColumn is { } textColumn)
        {
            // Checked before training rather than when the trained model is built, so a wrong tags column costs no training time.
            EntitySpanDecoder.ParseTagNames(LoraNamedEntityRecognitionTransformer.RequireTagNames(tagNames, textColumn).Names(), textColumn);
        }

        var training = NamedEntityRows.Read(input, columns.TokensColumn, options.TagsColumnName, "training");
        NamedEntityRows? validation = null;
        if (options.ValidationSet is { } validationSet)
        {
            validation = TrainingDataErrors.InValidationSet(() =>
            {
                columns.CheckInput(validationSet.Schema);
                FindTags(validationSet.Schema, options.TagsColumnName);
                return NamedEntityRows.Read(validationSet, columns.TokensColumn, options.TagsColumnName, "validation");
            });
        }

        using var run = TaskTrainingRun.Start(context, LogName);
        var log = run.Log;
        var device = run.Device;
        var tokenizer = backbone.CreateTokenizer(options.MaxSequenceLength);
        var sentences = training.Words.Select(w => WindowedSentence.Encode(tokenizer, w, options.WindowOverlap)).ToArray();
        var windows = LabelledWindows(sentences, training.Tags!);

        int truncatedWords = sentences.Sum(s => s.TruncatedWords.Count);
        if (truncatedWords > 0)
        {
            log.Warning($"{truncatedWords} words were longer than a whole window of {tokenizer.MaxLength} tokens and were cut to their first sub-tokens.");
        }

        log.Info($"{training.Count} sentences in {windows.Count} windows of at most {tokenizer.MaxLength} tokens.");

        var initial = PretrainedAdapter.ToContinue(
            options, NamedEntityAdapterLoader.TaskType, "a named-entity recognizer", NamedEntityAdapterLoader.OtherTasks, backbone.Architecture.TokenClassifierOutputModule, tagCount, options.TagsColumnName);
        int seed = run.DrawSeed();

        var method = MethodConfig(options.Method, backbone);
        var encoder = backbone.CreateEncoder();
        DomainAdaptationResult? adaptation = null;
        TokenClassifierModel? network = null;
        PeftModel? peft = null;
        try
        {
            if (options.DomainAdaptationSet is { } unlabelled)
            {
                adaptation = DomainAdaptivePretraining.Run(
                    backbone,
                    encoder,
                    ReadTexts(unlabelled, options.DomainAdaptationTextColumnName),
                    AdaptationConfig(method),
                    new TrainingSettings { Epochs = options.DomainAdaptationEpochs, BatchSize = options.BatchSize, LearningRate = TaskTrainingRun.LearningRate(options, method), WeightDecay = options.WeightDecay, WarmupFraction = options.WarmupFraction, MaxGradNorm = options.MaxGradientNorm, Seed = seed },
                    device,
                    options.Progress,
                    log.Info,
                    options.CancellationToken,
                    maxSequenceLength: options.MaxSequenceLength);
            }

            network = backbone.Architecture.CreateTokenClassifier(encoder, tagCount);
            var adapted = run.Adapt(network, method, backbone.Model, initial);
            peft = adapted.Peft;
            var report = adapted.Report;
            if (adaptation is not null)
            {
                int copied = adaptation.CopyInto(peft, backbone.Architecture.CheckpointPrefixes[0]);
                log.Info($"Started the tagging adapter from domain-adaptive pre-training ({copied} tensors).");
            }

            var scorer = new TokenClassifierNetwork(peft, network, tokenizer, options.WindowOverlap, device);
            var validationSentences = validation?.Words.Select(w => scorer.Encode(w)).ToArray();
            var validationWindows = validationSentences is null ? null : LabelledWindows(validationSentences, validation!.Tags!);

            var job = new TrainingJob
            {
                Model = network,
                TrainableParameters = peft.NamedTrainableParameters(),
                ExampleLengths = windows.Select(w => w.Encoding.Length).ToArray(),
                ComputeLoss = (indices, dev) =>
                {
                    var batch = indices.Select(i => windows[i]).ToList();
                    var (ids, types, mask, labels) = TokenClassificationCollator.Collate(batch.Select(b => b.Encoding).ToList(), batch.Select(b => b.Labels).ToList(), tokenizer.Layout.PadId, dev);
                    var logits = network.call(ids, types, mask);
                    return nn.functional.cross_entropy(logits.view(-1, tagCount), labels.view(-1), ignore_index: TokenLabels.IgnoreIndex);
                },
                Validation = validationSentences is null
                    ? null
                    : new ValidationEvaluator(
                        "word accuracy",
                        HigherIsBetter: true,
                        () => WordAccuracy(scorer.Predict(validationSentences, options.PredictionBatchSize), validation!.Tags!),
                        () => ValidationLoss.Mean(validationWindows!.Select(w => w.Encoding.Length).ToArray(), options.PredictionBatchSize, indices =>
                        {
                            var batch = indices.Select(i => validationWindows![i]).ToList();
                            var (ids, types, mask, labels) = TokenClassificationCollator.Collate(batch.Select(b => b.Encoding).ToList(), batch.Select(b => b.Labels).ToList(), tokenizer.Layout.PadId, device);
                            var logits = network.call(ids, types, mask);
                            var sum = nn.functional.cross_entropy(logits.view(-1, tagCount), labels.view(-1), ignore_index: TokenLabels.IgnoreIndex, reduction: nn.Reduction.Sum);
                            return (sum, labels.ne(TokenLabels.IgnoreIndex).sum().item<long>());
                        })),
            };
            var result = run.Train(options, job, peft);
            var (checkedSentences, checkedTags, checkedSet) = validationSentences is null
                ? (PredictionCollapse.TrainingSample(sentences), PredictionCollapse.TrainingSample(training.Tags!), "training data")
                : (validationSentences, validation!.Tags!, "validation set");
            var predicted = scorer.Predict(checkedSentences, options.PredictionBatchSize).SelectMany(t => t).ToArray();
            string[]? names = tagNames?.Names();
            var warnings = run.WarnIfCollapsed(predicted, checkedTags.Take(checkedSentences.Length).SelectMany(t => t).ToArray(), checkedSet + " (words)", t => names?[t] ?? $"tag {t + 1}", options, TaskTrainingRun.LearningRate(options, peft.GetConfig(peft.ActiveAdapter)));
            var info = new NamedEntityRecognizerTrainingInfo(report, result)
            {
                Warnings = warnings,
                TrainingSentences = training.Count,
                TrainingWindows = windows.Count,
                TruncatedWords = truncatedWords,
                DomainAdaptationLoss = adaptation?.Training.FinalLoss,
            };
            return new LoraNamedEntityRecognitionTransformer(scorer, columns, tagNames, BackboneReference.Of(backbone.Model), options.PredictionBatchSize, info);
        }
        catch
        {
            peft?.Dispose();
            if (network is null)
            {
                encoder.Dispose();
            }
            else
            {
                network.Dispose();
            }

            throw;
        }
        finally
        {
            adaptation?.Dispose();
        }
    }

    /// <summary>Every window of every sentence with its token labels, the unit the tagger trains on.</summary>
    private static List<(WordAlignedEncoding Encoding, long[] Labels)> LabelledWindows(IReadOnlyList<WindowedSentence> sentences, IReadOnlyList<int[]> tags)
    {
        var windows = new List<(WordAlignedEncoding Encoding, long[] Labels)>();
        for (int i = 0; i < sentences.Count; i++)
        {
            windows.AddRange(sentences[i].Windows.Zip(TokenLabels.Align(sentences[i], tags[i])));
        }

        return windows;
    }

    /// <summary>The tagging method without its head, for the masked-language-model stage that trains the same adapter first.</summary>
    private static PeftConfig AdaptationConfig(PeftConfig method)
    {
        var config = method.Clone();
        config.ModulesToSave = null;
        config.TaskType = null;
        return config;
    }

    private static IReadOnlyList<string> ReadTexts(IDataView data, string column)
    {
        var text = SchemaErrors.FindText(data.Schema, "Domain adaptation text", column);
        return data.GetColumn<ReadOnlyMemory<char>>(text).Select(t => t.ToString()).Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
    }

    /// <summary>
    /// The user's method (default: OpenMed's LoRA r 16, alpha 32, dropout 0.05 on the attention projections) completed for this
    /// task: the head in <c>modules_to_save</c>, <c>task_type</c> TOKEN_CLS and the backbone as <c>base_model_name_or_path</c>.
    /// </summary>
    internal static PeftConfig MethodConfig(PeftConfig? method, TextBackbone backbone) =>
        MethodCompletion.Complete(method, backbone.Model, DefaultMethod, backbone.Architecture.AttentionProjectionModules, backbone.Architecture.TokenClassifierHeadModules, "TOKEN_CLS");

    private static PeftConfig DefaultMethod() => new LoraConfig { Rank = LoraNamedEntityRecognizerOptions.Defaults.Rank, Alpha = LoraNamedEntityRecognizerOptions.Defaults.Alpha, Dropout = 0.05 };

    private static DataViewSchema.Column FindTags(DataViewSchema schema, string name)
    {
        var column = SchemaErrors.Find(schema, "Tags", name);
        if (column.Type is not VectorDataViewType { ItemType: KeyDataViewType key } || key.Count < 2 || key.Count > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                $"Schema mismatch for tags column '{name}': expected vector of Key with at least two values, got {column.Type}. "
                + $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") before the estimator.");
        }

        return column;
    }

    private static double WordAccuracy(int[][] predicted, int[][] gold)
    {
        long correct = 0, total = 0;
        for (int i = 0; i < gold.Length; i++)
        {
            total += gold[i].Length;
            correct += gold[i].Zip(predicted[i]).Count(p => p.First == p.Second);
        }

        return total == 0 ? 0 : (double)correct / total;
    }
}
