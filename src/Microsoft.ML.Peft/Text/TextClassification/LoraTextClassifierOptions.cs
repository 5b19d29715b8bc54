// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>
/// Options of <see cref="LoraTextClassificationEstimator"/>; every property has a working default except
/// <see cref="PeftTrainerOptions.Backbone"/>. The training, validation and prediction options are those of every task
/// (<see cref="PeftTrainerOptions"/>); these add the columns.
/// </summary>
/// <remarks>
/// When the method's target modules are not set, the architecture's defaults are used (<c>query</c>, <c>value</c> for BERT, as
/// PEFT does); the classification head is always added to <c>modules_to_save</c>. Longer inputs than
/// <see cref="PeftTrainerOptions.MaxSequenceLength"/> are truncated and counted. <see cref="PeftTrainerOptions.PredictionBatchSize"/>
/// defaults to 64 and the validation metric is accuracy.
/// </remarks>
public sealed class LoraTextClassifierOptions : PeftTrainerOptions
{
    /// <summary>Default values, shared by the simple catalog overload.</summary>
    public static class Defaults
    {
        /// <summary>LoRA rank.</summary>
        public const int Rank = 8;

        /// <summary>LoRA alpha (the update is scaled by alpha / rank).</summary>
        public const double Alpha = 16;

        /// <summary>Passes over the training data.</summary>
        public const int Epochs = TrainerOptionDefaults.Epochs;

        /// <summary>Rows per training step.</summary>
        public const int BatchSize = 32;
    }

    /// <summary>Creates the options with their defaults.</summary>
    public LoraTextClassifierOptions()
        : base(Defaults.BatchSize, predictionBatchSize: 64)
    {
    }

    /// <summary>
    /// The label column, whose type chooses the output: a key (add <c>MapValueToKey</c> before the estimator) for a multiclass
    /// classifier, a Boolean for a binary one with ML.NET's binary-classifier columns. Default <c>Label</c>.
    /// </summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The text column. Default <c>Text</c>.</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>An optional second text column for sentence-pair tasks (entailment, paraphrase); encoded as the pair's second segment.</summary>
    public string? SecondTextColumnName { get; set; }

    /// <summary>
    /// The output column of class probabilities (vector), or for a Boolean label the margin logit(true) − logit(false) (Single),
    /// as ML.NET's binary trainers put in <c>Score</c>. Default <c>Score</c>.
    /// </summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>
    /// The output column of P(true) (Single), added only for a Boolean label, as ML.NET's binary trainers add it. Default
    /// <c>Probability</c>.
    /// </summary>
    public string ProbabilityColumnName { get; set; } = "Probability";

    /// <summary>
    /// The output column of the predicted class: a key for a key label, a Boolean (P(true) &gt; 0.5) for a Boolean label.
    /// Default <c>PredictedLabel</c>.
    /// </summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";
}
