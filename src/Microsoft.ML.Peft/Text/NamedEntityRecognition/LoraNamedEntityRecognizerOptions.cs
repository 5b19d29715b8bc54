// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft;

/// <summary>Options of <see cref="LoraNamedEntityRecognitionEstimator"/>; every property has a working default except <see cref="Backbone"/>.</summary>
public sealed class LoraNamedEntityRecognizerOptions : ITaskTrainingOptions
{
    /// <summary>Default values, shared by the simple catalog overload.</summary>
    public static class Defaults
    {
        /// <summary>LoRA rank, as OpenMed uses.</summary>
        public const int Rank = 16;

        /// <summary>LoRA alpha, as OpenMed uses.</summary>
        public const double Alpha = 32;

        /// <summary>Passes over the training data.</summary>
        public const int Epochs = 3;

        /// <summary>Windows (sentences, or parts of long ones) per training step.</summary>
        public const int BatchSize = 16;

        /// <summary>Peak AdamW learning rate.</summary>
        public const double LearningRate = 1e-3;
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

    /// <summary>The pretrained encoder to adapt. Required.</summary>
    public PretrainedModel? Backbone { get; set; }

    /// <summary>
    /// The PEFT method. Default: LoRA with rank <see cref="Defaults.Rank"/>, alpha <see cref="Defaults.Alpha"/> and dropout 0.05 on the
    /// attention projections (query, key, value; q_lin, k_lin, v_lin for DistilBERT), OpenMed's setting. The token-classification
    /// head is always added to <c>modules_to_save</c>.
    /// </summary>
    public PeftConfig? Method { get; set; }

    /// <summary>Passes over the training data. Default <see cref="Defaults.Epochs"/>.</summary>
    public int Epochs { get; set; } = Defaults.Epochs;

    /// <summary>Windows per training step. Default <see cref="Defaults.BatchSize"/>.</summary>
    public int BatchSize { get; set; } = Defaults.BatchSize;

    /// <summary>Peak learning rate of AdamW. Default <see cref="Defaults.LearningRate"/>.</summary>
    public double LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>AdamW weight decay. Default 0.01.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>Fraction of the steps of linear warm-up. Default 0.06.</summary>
    public double WarmupFraction { get; set; } = 0.06;

    /// <summary>Gradient clipping norm; 0 turns it off. Default 1.</summary>
    public double MaxGradientNorm { get; set; } = 1.0;

    /// <summary>
    /// Longest window in tokens (special tokens included). Longer sentences are split into overlapping windows of whole words,
    /// never cut. Default: the backbone's maximum.
    /// </summary>
    public int? MaxSequenceLength { get; set; }

    /// <summary>Tokens shared by consecutive windows of a long sentence. Default: a quarter of the window.</summary>
    public int? WindowOverlap { get; set; }

    /// <summary>Sentences tagged at once when the trained model transforms data. Default 32.</summary>
    public int PredictionBatchSize { get; set; } = 32;

    /// <summary>Optional validation data with the same columns; word-level tag accuracy on it is reported after every epoch.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Stop when validation accuracy has not improved for this many epochs, keeping the best epoch. Needs <see cref="ValidationSet"/>.</summary>
    public int? EarlyStoppingPatience { get; set; }

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

    /// <summary>A folder for checkpoints; a later fit with the same data and options resumes from the last one.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Steps between checkpoints when <see cref="CheckpointDirectory"/> is set. Default 200.</summary>
    public int CheckpointEverySteps { get; set; } = 200;

    /// <summary>Merge the adapter into the encoder after training, so tagging costs what the base model costs. Default true.</summary>
    public bool MergeAdapterForPrediction { get; set; } = true;

    /// <summary>Receives progress during training.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Cancels training between steps.</summary>
    public CancellationToken CancellationToken { get; set; }
}
