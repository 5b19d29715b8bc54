// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// One family of pretrained text encoders (a Hugging Face <c>model_type</c>): on top of what every backbone describes, its
/// tokenizer from the model folder, its task heads with Hugging Face's names, and the module names PEFT targets by default.
/// </summary>
internal abstract class TextArchitecture : BackboneArchitecture
{
    /// <summary>The modality of every text architecture, which text estimators require.</summary>
    internal const string TextModality = "text";

    internal sealed override string Modality => TextModality;

    internal sealed override string PreprocessorName => "tokenizer";

    /// <summary>
    /// Default LoRA targets, as PEFT's <c>TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING</c> for this model type,
    /// so a default adapter trained here is the one Python PEFT would create.
    /// </summary>
    internal abstract IReadOnlyList<string> DefaultTargetModules { get; }

    /// <summary>The attention's query, key and value projections (OpenMed's LoRA targets for named-entity recognition).</summary>
    internal abstract IReadOnlyList<string> AttentionProjectionModules { get; }

    /// <summary>The sequence-classification head's module names, trained in full and saved under <c>modules_to_save</c>.</summary>
    internal abstract IReadOnlyList<string> SequenceClassifierHeadModules { get; }

    /// <summary>
    /// The sequence classifier's output layer, whose weight has one row per class: how the number of classes is read from a
    /// saved adapter's head before the network is built.
    /// </summary>
    internal virtual string SequenceClassifierOutputModule => "classifier";

    /// <summary>The token classifier's output layer, one row per tag; <c>classifier</c> in every architecture here.</summary>
    internal virtual string TokenClassifierOutputModule => "classifier";

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

    /// <summary>Builds a text encoder with freshly initialised weights from <c>config.json</c>.</summary>
    /// <exception cref="InvalidDataException">The configuration is malformed or unsupported; <paramref name="source"/> is named.</exception>
    internal abstract override TextEncoder CreateEncoder(JsonObject config, string source);

    /// <summary>The shape's limit, lowered to <c>model_max_length</c> of <c>tokenizer_config.json</c> when that is set.</summary>
    internal override int ReadMaxSequenceLength(EncoderShape shape, IReadOnlyDictionary<string, byte[]> preprocessorFiles) =>
        Math.Min(shape.MaxSequenceLength, ReadTokenizerMaxLength(preprocessorFiles) ?? int.MaxValue);

    /// <summary>The tokenizer, truncating to the model's <see cref="PretrainedModel.MaxSequenceLength"/>.</summary>
    internal sealed override IBackbonePreprocessor CreatePreprocessor(PretrainedModel model) =>
        CreateTokenizer(model.PreprocessorFiles, model.MaxSequenceLength);

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
    /// one; <see cref="TextBackbone.TryLoadMaskedLanguageModelHead"/> then loads the checkpoint's head when it has one.
    /// </summary>
    /// <exception cref="NotSupportedException">The architecture has no masked-language-modeling head here yet.</exception>
    internal virtual MaskedLanguageModel CreateMaskedLanguageModel(TextEncoder encoder) =>
        throw new NotSupportedException(
            $"Masked language modeling (domain-adaptive pre-training) is implemented for model_type \"bert\" only, not \"{ModelType}\". "
            + "Use a BERT-family checkpoint (BERT, PubMedBERT, BioBERT, MiniLM), or skip domain-adaptive pre-training for this model.");

    /// <summary><c>model_max_length</c> of <c>tokenizer_config.json</c>, ignoring Hugging Face's "no limit" sentinel (about 1e30).</summary>
    private static int? ReadTokenizerMaxLength(IReadOnlyDictionary<string, byte[]> files)
    {
        if (!files.TryGetValue(WordPieceTokenizerFactory.TokenizerConfigFileName, out var bytes))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(bytes)?["model_max_length"] is JsonValue value && value.TryGetValue(out double length) && length is > 0 and < int.MaxValue
                ? (int)length
                : null;
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new InvalidDataException($"{WordPieceTokenizerFactory.TokenizerConfigFileName}: {ex.Message}", ex);
        }
    }
}
