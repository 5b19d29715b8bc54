// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.DomainAdaptation;

/// <summary>
/// Domain-adaptive pre-training (DAPT) with a PEFT adapter, as OpenMed NER's first stage: continue the encoder's masked-language-modeling
/// objective on in-domain text (PubMed, clinical notes), training only LoRA on the attention layers (r = 16, alpha = 32, dropout 0.05),
/// then hand the adapter to the task model (<see cref="DomainAdaptationResult.CopyInto"/>).
/// </summary>
/// <remarks>
/// <para>
/// Each text is one example (Hugging Face's <c>run_mlm --line_by_line</c>), truncated to the maximum sequence length; masking follows
/// <see cref="MaskedLanguageModelingCollator"/>, redrawn at every step from a seed derived from the engine's per-step seed, so a run is
/// reproducible and a resumed run masks exactly as an uninterrupted one.
/// </para>
/// <para>
/// The head: a checkpoint with a masked-language-modeling head (<c>cls.predictions.*</c>, e.g. PubMedBERT, BioBERT) is loaded and
/// stays frozen, so only the adapter trains, as in OpenMed. A checkpoint without one (e.g. sentence-transformers' all-MiniLM-L6-v2)
/// gets Hugging Face's fresh initialisation, and a random head would make the objective meaningless, so it trains in full as
/// <c>modules_to_save</c> (<c>cls</c>: the transform and the output bias; the decoder weight is the frozen, tied word-embedding matrix).
/// </para>
/// <para>
/// The encoder is used in place and not owned: it is moved to the device and gets the adapter's hooks during the run; afterwards the
/// hooks are gone, its weights are unchanged (nothing is merged) and its parameters' <c>requires_grad</c> flags are restored.
/// </para>
/// </remarks>
internal static class DomainAdaptivePretraining
{
    /// <summary>The method used when none is given: OpenMed's LoRA settings.</summary>
    internal static class Defaults
    {
        /// <summary>OpenMed's LoRA rank.</summary>
        internal const int Rank = 16;

        /// <summary>OpenMed's LoRA alpha (scaling alpha / r = 2).</summary>
        internal const double Alpha = 32;

        /// <summary>OpenMed's LoRA dropout.</summary>
        internal const double Dropout = 0.05;

        /// <summary>
        /// "The attention layers": the query, key and value projections of BERT's self-attention. The paper does not name the
        /// modules; add <c>attention.output.dense</c> through an explicit method to adapt the attention's output projection too.
        /// </summary>
        internal static readonly IReadOnlyList<string> TargetModules = new[] { "query", "key", "value" };
    }

    /// <summary>Trains an adapter on <paramref name="encoder"/> with the masked-language-modeling objective over <paramref name="texts"/>.</summary>
    /// <param name="backbone">The pretrained model the encoder was built from: its architecture, tokenizer and (when present) MLM head.</param>
    /// <param name="encoder">The encoder, already built by <c>backbone.CreateEncoder()</c>; not owned (see remarks).</param>
    /// <param name="texts">In-domain texts, one example each; none may be empty.</param>
    /// <param name="method">The PEFT method; null for LoRA with <see cref="Defaults"/>. Unset targets become <see cref="Defaults.TargetModules"/>.</param>
    /// <param name="settings">Epochs, batch size, learning rate, seed and the other engine settings.</param>
    /// <param name="device">Where to train.</param>
    /// <param name="progress">Receives the engine's progress reports.</param>
    /// <param name="log">Receives log lines.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <param name="validationTexts">Held-out texts whose masked-language-modeling loss (one fixed masking) is measured after each epoch; null for none.</param>
    /// <param name="maskProbability">The share of tokens selected for prediction (Hugging Face's <c>mlm_probability</c>).</param>
    /// <param name="maxSequenceLength">Longest input in tokens; the model's maximum when null.</param>
    /// <returns>The trained adapter's tensors; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">A text is empty, or the tokenizer does not fit the model.</exception>
    /// <exception cref="NotSupportedException">The architecture has no masked-language-modeling head here (only BERT has).</exception>
    internal static DomainAdaptationResult Run(
        TextBackbone backbone,
        TextEncoder encoder,
        IReadOnlyList<string> texts,
        PeftConfig? method,
        TrainingSettings settings,
        Device device,
        IProgress<TrainingProgress>? progress = null,
        Action<string>? log = null,
        CancellationToken cancellationToken = default,
        IReadOnlyList<string>? validationTexts = null,
        double maskProbability = MaskedLanguageModelingCollator.DefaultMaskProbability,
        int? maxSequenceLength = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        CheckTexts(texts, nameof(texts));
        if (validationTexts is not null)
        {
            CheckTexts(validationTexts, nameof(validationTexts));
        }

        var tokenizer = backbone.CreateTokenizer(maxSequenceLength);
        var collator = MaskedLanguageModelingCollator.For(tokenizer, maskProbability);

        // A fresh head and the adapter's initial weights are drawn from TorchSharp's global generator: seed it, so the same seed
        // gives the same adapter (the engine reseeds it before every step anyway).
        using (manual_seed(settings.Seed))
        {
        }

        var model = backbone.Architecture.CreateMaskedLanguageModel(encoder);
        // By name: moving the encoder to another device replaces its parameter objects.
        var requiresGrad = encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter.requires_grad);
        PeftModel? peft = null;
        try
        {
            if (collator.VocabularySize > model.VocabularySize)
            {
                throw new ArgumentException(
                    $"The tokenizer of '{backbone.Source}' knows {collator.VocabularySize} tokens but the model scores only {model.VocabularySize} (vocab_size); "
                    + "random replacement tokens would fall outside the model. Use the tokenizer files that belong to the checkpoint.",
                    nameof(backbone));
            }

            bool headFromCheckpoint = backbone.TryLoadMaskedLanguageModelHead(model);
            log?.Invoke(headFromCheckpoint
                ? "The masked-language-modeling head comes from the checkpoint and stays frozen; only the adapter trains."
                : "The checkpoint has no masked-language-modeling head; a freshly initialised one trains with the adapter (modules_to_save).");

            peft = PeftModel.Create(model, MethodConfig(method, backbone, model, trainHead: !headFromCheckpoint));
            peft.To(device);
            log?.Invoke($"{backbone}: {peft.GetTrainableParameterReport()}");

            var encoded = texts.Select(t => tokenizer.Encode(t)).ToArray();
            int truncated = encoded.Count(e => e.Truncated);
            if (truncated > 0)
            {
                log?.Invoke($"{truncated} of {encoded.Length} texts were longer than {tokenizer.MaxLength} tokens and were truncated.");
            }

            var job = new TrainingJob
            {
                Model = model,
                TrainableParameters = peft.NamedTrainableParameters(),
                ExampleLengths = encoded.Select(e => e.Length).ToArray(),
                ComputeLoss = (indices, dev) =>
                {
                    // The engine reseeds TorchSharp's generator before every step, so this seed, and the masking, depend only on the run's seed and the step.
                    var random = new Random((int)randint(int.MaxValue, new long[] { 1 }, dtype: ScalarType.Int64).item<long>());
                    var batch = collator.Collate(indices.Select(i => encoded[i]).ToList(), random);
                    var (ids, types, mask, labels) = batch.ToTensors(dev);
                    return model.Loss(ids, types, mask, labels);
                },
                Validation = validationTexts is null
                    ? null
                    : new ValidationEvaluator("mlm_loss", HigherIsBetter: false, ValidationLoss(model, collator, validationTexts.Select(t => tokenizer.Encode(t)).ToArray(), settings, device)),
            };
            var result = PeftTrainingEngine.Train(job, settings, device, progress, log, cancellationToken);

            var (encoderTensors, headTensors, modelTensors) = Split(peft.GetAdapterStateDict(peft.ActiveAdapter), model);
            return new DomainAdaptationResult(peft.GetConfig(peft.ActiveAdapter), encoderTensors, headTensors, modelTensors, headFromCheckpoint, truncated, result);
        }
        finally
        {
            peft?.Dispose();
            model.Head.Dispose();
            foreach (var (name, parameter) in encoder.named_parameters())
            {
                parameter.requires_grad = requiresGrad[name];
            }
        }
    }

    /// <summary>
    /// The user's method (default OpenMed's LoRA) completed for this run: <see cref="Defaults.TargetModules"/> when no targets are
    /// set, the head under <c>modules_to_save</c> when it trains, and the backbone as <c>base_model_name_or_path</c>.
    /// </summary>
    internal static PeftConfig MethodConfig(PeftConfig? method, TextBackbone backbone, MaskedLanguageModel model, bool trainHead) =>
        MethodCompletion.Complete(
            method,
            backbone.Model,
            () => new LoraConfig { Rank = Defaults.Rank, Alpha = Defaults.Alpha, Dropout = Defaults.Dropout },
            Defaults.TargetModules,
            trainHead ? new[] { model.HeadName } : null,
            taskType: null);

    private static void CheckTexts(IReadOnlyList<string> texts, string parameterName)
    {
        if (texts.Count == 0)
        {
            throw new ArgumentException($"`{parameterName}` is empty; give at least one in-domain text.", parameterName);
        }

        for (int i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                throw new ArgumentException($"Text {i} of `{parameterName}` is {(texts[i] is null ? "null" : "empty")}; remove it.", parameterName);
            }
        }
    }

    // Detached CPU copies, split into the encoder's adapter (keys relative to the encoder) and the head's tensors.
    // Keys under the encoder, keys of the rest of the model (the head), and keys of the whole adapter outside the model's
    // modules (VeRA's and RandLoRA's shared projections, base_model.vera_A), which keep their saved names.
    private static (Dictionary<string, Tensor> Encoder, Dictionary<string, Tensor> Head, Dictionary<string, Tensor> Model) Split(
        Dictionary<string, Tensor> adapter, MaskedLanguageModel model)
    {
        using var scope = NewDisposeScope();
        string encoderPrefix = PeftStateDictKeys.Prefix + model.EncoderName + ".";
        var encoder = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var head = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var whole = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in adapter)
        {
            var copy = tensor.detach().cpu().clone().DetachFromDisposeScope();
            if (key.StartsWith(encoderPrefix, StringComparison.Ordinal))
            {
                encoder.Add(key[encoderPrefix.Length..], copy);
            }
            else if (key.StartsWith(PeftStateDictKeys.Prefix, StringComparison.Ordinal))
            {
                head.Add(key[PeftStateDictKeys.Prefix.Length..], copy);
            }
            else
            {
                whole.Add(key, copy);
            }
        }

        return (encoder, head, whole);
    }

    // Mean loss per scored token over the validation texts, with one masking fixed by the seed so epochs compare.
    private static Func<double> ValidationLoss(MaskedLanguageModel model, MaskedLanguageModelingCollator collator, EncodedText[] rows, TrainingSettings settings, Device device) => () =>
    {
        var random = new Random(settings.Seed);
        double total = 0;
        long scored = 0;
        BatchInference.ForEachBatch(rows.Select(r => r.Length).ToArray(), settings.BatchSize, indices =>
        {
            using var scope = NewDisposeScope();
            var batch = collator.Collate(indices.Select(i => rows[i]).ToList(), random);
            var (ids, types, mask, labels) = batch.ToTensors(device);
            int count = batch.ScoredCount;
            total += model.Loss(ids, types, mask, labels).to_type(ScalarType.Float64).item<double>() * count;
            scored += count;
        });

        return scored == 0
            ? throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"No token of the {rows.Length} validation texts was selected for prediction; give more or longer validation texts."))
            : total / scored;
    };
}
