// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>
/// Options of <see cref="LoraNamedEntityRecognitionEstimator"/>; every property has a working default except
/// <see cref="PeftTrainerOptions.Backbone"/>. The training, validation and prediction options are those of every task
/// (<see cref="PeftTrainerOptions"/>); these add the columns, the windows and domain-adaptive pre-training.
/// </summary>
/// <remarks>
/// The default method is LoRA with rank <see cref="Defaults.Rank"/>, alpha <see cref="Defaults.Alpha"/> and dropout 0.05 on the
/// attention projections (query, key, value; q_lin, k_lin, v_lin for DistilBERT), OpenMed's setting; the token-classification
/// head is always added to <c>modules_to_save</c>. A training example is a window: a sentence, or a part of a long one. Sentences
/// longer than <see cref="PeftTrainerOptions.MaxSequenceLength"/> are split into overlapping windows of whole words, never cut.
/// <see cref="PeftTrainerOptions.PredictionBatchSize"/> counts sentences and defaults to 32; the validation metric is word-level
/// tag accuracy.
/// </remarks>
public sealed class LoraNamedEntityRecognizerOptions : PeftTrainerOptions
{
    /// <summary>Default values, shared by the simple catalog overload.</summary>
    public static class Defaults
    {
        /// <summary>LoRA rank, as OpenMed uses.</summary>
        public const int Rank = 16;

        /// <summary>LoRA alpha, as OpenMed uses.</summary>
        public const double Alpha = 32;

        /// <summary>Passes over the training data.</summary>
        public const int Epochs = TrainerOptionDefaults.Epochs;

        /// <summary>Windows (sentences, or parts of long ones) per training step.</summary>
        public const int BatchSize = 16;
    }

    /// <summary>Creates the options with their defaults.</summary>
    public LoraNamedEntityRecognizerOptions()
        : base(Defaults.BatchSize, predictionBatchSize: 32)
    {
    }

    /// <summary>The tokens column: a vector of text, one word per slot (as CoNLL corpora come). Default <c>Tokens</c>.</summary>
    public string TokensColumnName { get; set; } = "Tokens";

    /// <summary>The tags column: a vector of keys, one per token, e.g. <c>MapValueToKey</c> over IOB2 tags. Default <c>Tags</c>.</summary>
    public string TagsColumnName { get; set; } = "Tags";

    /// <summary>The output column of predicted tags (vector of keys with the tag names). Default <c>PredictedTags</c>.</summary>
    public string PredictedTagsColumnName { get; set; } = "PredictedTags";

    /// <summary>
    /// A raw text column (String) to tag at prediction, or null (the default) to tag the tokens column only. Training still reads
    /// the tokens and tags columns. When set, the trained model reads any data that has this column as raw text: it splits the
    /// text into words as the backbone's tokenizer does (BERT: whitespace, punctuation and CJK ideographs; RoBERTa: GPT-2's
    /// pattern), predicts <see cref="PredictedTagsColumnName"/> over those words, and adds the entity spans found in IOB tags
    /// (seqeval's default mode, any of IOB1, IOB2 and BIOES): <c>EntityStarts</c> and <c>EntityLengths</c> (vectors of Int32,
    /// UTF-16 offsets into the original text), <c>EntityTypes</c> (vector of String, e.g. <c>Disease</c> for
    /// <c>B-Disease</c>/<c>I-Disease</c>) and <c>EntityScores</c> (vector of Single: the mean over the entity's words of the
    /// probability of each word's tag, as Hugging Face's pipeline with <c>aggregation_strategy="first"</c>). Data without this
    /// column but with the tokens column is tagged from its tokens, without spans. The tags column must carry key values
    /// (<c>MapValueToKey</c>) so that entity types can be named.
    /// </summary>
    public string? TextColumnName { get; set; }

    /// <summary>Tokens shared by consecutive windows of a long sentence. Default: a quarter of the window.</summary>
    public int? WindowOverlap { get; set; }

    /// <summary>
    /// Unlabelled in-domain text for domain-adaptive pre-training, as OpenMed does: before the tagging task, the same adapter is
    /// first trained with BERT's masked-language-model objective on these texts, then fine-tuned for tagging. Null skips it.
    /// BERT-family backbones only.
    /// </summary>
    public IDataView? DomainAdaptationSet { get; set; }

    /// <summary>The text column of <see cref="DomainAdaptationSet"/>. Default <c>Text</c>.</summary>
    public string DomainAdaptationTextColumnName { get; set; } = "Text";

    /// <summary>Passes of masked-language-model training over <see cref="DomainAdaptationSet"/>. Default 1.</summary>
    public int DomainAdaptationEpochs { get; set; } = 1;

}
