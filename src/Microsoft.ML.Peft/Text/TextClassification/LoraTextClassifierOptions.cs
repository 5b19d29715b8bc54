// Licensed under the MIT license. See LICENSE in the repository root.


using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft;

/// <summary>Options of <see cref="LoraTextClassificationEstimator"/>; every property has a working default except <see cref="Backbone"/>.</summary>
public sealed class LoraTextClassifierOptions : ITaskTrainingOptions
{
    /// <summary>Default values, shared by the simple catalog overload.</summary>
    public static class Defaults
    {
        /// <summary>LoRA rank.</summary>
        public const int Rank = 8;

        /// <summary>LoRA alpha (the update is scaled by alpha / rank).</summary>
        public const double Alpha = 16;

        /// <summary>Passes over the training data.</summary>
        public const int Epochs = 3;

        /// <summary>Rows per training step.</summary>
        public const int BatchSize = 32;

        /// <summary>Peak AdamW learning rate; adapters train well at rates 10 to 100 times those of full fine-tuning.</summary>
        public const double LearningRate = 5e-4;
    }

    /// <summary>The key-typed label column (add <c>MapValueToKey</c> before the estimator). Default <c>Label</c>.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The text column. Default <c>Text</c>.</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>An optional second text column for sentence-pair tasks (entailment, paraphrase); encoded as the pair's second segment.</summary>
    public string? SecondTextColumnName { get; set; }

    /// <summary>The output column of class probabilities. Default <c>Score</c>.</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>The output key column of the predicted class. Default <c>PredictedLabel</c>.</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>The pretrained encoder to adapt, e.g. <see cref="PretrainedModel.FromDirectory"/>. Required.</summary>
    public PretrainedModel? Backbone { get; set; }

    /// <summary>
    /// The PEFT method and its settings: any registered method's configuration, e.g. a <see cref="LoraConfig"/> with DoRA. When its
    /// target modules are not set, the architecture's defaults are used (<c>query</c>, <c>value</c> for BERT, as PEFT does); the
    /// classification head is always added to <c>modules_to_save</c>. Default: LoRA with rank <see cref="Defaults.Rank"/> and alpha <see cref="Defaults.Alpha"/>.
    /// </summary>
    public PeftConfig? Method { get; set; }

    /// <summary>Passes over the training data. Default <see cref="Defaults.Epochs"/>.</summary>
    public int Epochs { get; set; } = Defaults.Epochs;

    /// <summary>Rows per training step. Default <see cref="Defaults.BatchSize"/>.</summary>
    public int BatchSize { get; set; } = Defaults.BatchSize;

    /// <summary>Peak learning rate of AdamW. Default <see cref="Defaults.LearningRate"/>.</summary>
    public double LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>AdamW weight decay (not applied to biases and LayerNorm weights). Default 0.01.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>Fraction of the steps over which the learning rate rises linearly from 0; it then decays linearly to 0. Default 0.06.</summary>
    public double WarmupFraction { get; set; } = 0.06;

    /// <summary>Gradients are clipped to this global norm; 0 turns clipping off. Default 1.</summary>
    public double MaxGradientNorm { get; set; } = 1.0;

    /// <summary>Longest input in tokens (special tokens included); longer rows are truncated and counted. Default: the backbone's maximum.</summary>
    public int? MaxSequenceLength { get; set; }

    /// <summary>Rows scored at once when the trained model transforms data. Default 64.</summary>
    public int PredictionBatchSize { get; set; } = 64;

    /// <summary>Optional validation data with the same columns; accuracy on it is reported after every epoch.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Stop when validation accuracy has not improved for this many epochs, and keep the best epoch's weights. Needs <see cref="ValidationSet"/>.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>A folder for checkpoints; a later fit with the same data and options resumes from the last one. Default: none.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Steps between checkpoints when <see cref="CheckpointDirectory"/> is set. Default 200.</summary>
    public int CheckpointEverySteps { get; set; } = 200;

    /// <summary>Merge the adapter into the encoder's weights after training, so prediction costs what the base model costs. Default true.</summary>
    public bool MergeAdapterForPrediction { get; set; } = true;

    /// <summary>Receives progress (step, loss, rows per second, time left) during training.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Cancels training between steps.</summary>
    public CancellationToken CancellationToken { get; set; }
}
