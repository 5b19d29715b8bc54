// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// One family of pretrained text encoders (a Hugging Face <c>model_type</c>): how to build its encoder from <c>config.json</c>,
/// its tokenizer from the model folder, its task heads with Hugging Face's names, and the module names PEFT targets by default.
/// </summary>
internal abstract class TextArchitecture
{
    /// <summary>The <c>model_type</c> of <c>config.json</c>, e.g. <c>bert</c>.</summary>
    internal abstract string ModelType { get; }

    /// <summary>Prefixes the encoder's keys may carry in a task checkpoint (e.g. <c>bert.</c>).</summary>
    internal abstract IReadOnlyList<string> CheckpointPrefixes { get; }

    /// <summary>
    /// Default LoRA targets, as PEFT's <c>TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING</c> for this model type,
    /// so a default adapter trained here is the one Python PEFT would create.
    /// </summary>
    internal abstract IReadOnlyList<string> DefaultTargetModules { get; }

    /// <summary>The attention's query, key and value projections (OpenMed's LoRA targets for named-entity recognition).</summary>
    internal abstract IReadOnlyList<string> AttentionProjectionModules { get; }

    /// <summary>The sequence-classification head's module names, trained in full and saved under <c>modules_to_save</c>.</summary>
    internal abstract IReadOnlyList<string> SequenceClassifierHeadModules { get; }

    /// <summary>Hugging Face's class name of the sequence classifier, written into exported configurations.</summary>
    internal abstract string SequenceClassifierClassName { get; }

    /// <summary>
    /// The token-classification head's module names, trained in full and saved under <c>modules_to_save</c>: PEFT's
    /// <c>PeftModelForTokenClassification</c> defaults (<c>classifier</c>, <c>score</c>), which every architecture here matches
    /// with its one <c>classifier</c> layer.
    /// </summary>
    internal virtual IReadOnlyList<string> TokenClassifierHeadModules { get; } = new[] { "classifier", "score" };

    /// <summary>Hugging Face's class name of the token classifier, written into exported configurations.</summary>
    internal abstract string TokenClassifierClassName { get; }

    /// <summary>Files of a model folder the tokenizer needs; a folder missing one is refused by name.</summary>
    internal abstract IReadOnlyList<string> RequiredTokenizerFiles { get; }

    /// <summary>Files of a model folder the tokenizer reads when present (e.g. <c>tokenizer_config.json</c>).</summary>
    internal abstract IReadOnlyList<string> OptionalTokenizerFiles { get; }

    /// <summary>Reads the shape of the encoder from <c>config.json</c>, validating every field it needs.</summary>
    /// <exception cref="InvalidDataException">The configuration is malformed or unsupported; <paramref name="source"/> is named.</exception>
    internal abstract EncoderShape ReadShape(JsonObject config, string source);

    /// <summary>Builds an encoder with freshly initialised weights from <c>config.json</c>.</summary>
    /// <exception cref="InvalidDataException">The configuration is malformed or unsupported; <paramref name="source"/> is named.</exception>
    internal abstract TextEncoder CreateEncoder(JsonObject config, string source);

    /// <summary>Builds the tokenizer from files (name to bytes) of a model folder.</summary>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    internal abstract TextTokenizer CreateTokenizer(IReadOnlyDictionary<string, byte[]> files, int maxLength);

    /// <summary>Wraps <paramref name="encoder"/> with a new, randomly initialised sequence-classification head.</summary>
    internal abstract SequenceClassifierModel CreateSequenceClassifier(TextEncoder encoder, int labelCount);

    /// <summary>
    /// Wraps <paramref name="encoder"/> (built by <see cref="CreateEncoder"/>, and owned by the result) with a new, randomly
    /// initialised token-classification head; parts of the encoder the Hugging Face token classifier lacks (BERT's pooler) are removed.
    /// </summary>
    internal abstract TokenClassifierModel CreateTokenClassifier(TextEncoder encoder, int labelCount);

    /// <summary>
    /// Wraps <paramref name="encoder"/> (not owned) with a new masked-language-modeling head, initialised as Hugging Face initialises
    /// one; <see cref="PretrainedModel.TryLoadMaskedLanguageModelHead"/> then loads the checkpoint's head when it has one.
    /// </summary>
    /// <exception cref="NotSupportedException">The architecture has no masked-language-modeling head here yet.</exception>
    internal virtual MaskedLanguageModel CreateMaskedLanguageModel(TextEncoder encoder) =>
        throw new NotSupportedException(
            $"Masked language modeling (domain-adaptive pre-training) is implemented for model_type \"bert\" only, not \"{ModelType}\". "
            + "Use a BERT-family checkpoint (BERT, PubMedBERT, BioBERT, MiniLM), or skip domain-adaptive pre-training for this model.");
}
