// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft;

/// <summary>
/// The options every PEFT task estimator shares: the backbone, the method, the training schedule, validation, checkpoints and
/// prediction. Each task's options class (e.g. <c>LoraTextClassifierOptions</c>) adds its columns and task settings.
/// </summary>
public abstract class PeftTrainerOptions : ITaskTrainingOptions
{
    /// <summary>Sets the defaults that differ between tasks; the others are shared.</summary>
    /// <param name="batchSize">The task's default <see cref="BatchSize"/>.</param>
    /// <param name="predictionBatchSize">The task's default <see cref="PredictionBatchSize"/>.</param>
    private protected PeftTrainerOptions(int batchSize, int predictionBatchSize)
    {
        BatchSize = batchSize;
        PredictionBatchSize = predictionBatchSize;
    }

    /// <summary>
    /// The fewest <see cref="Epochs"/> the task takes: 1, or 0 for a task whose model predicts before any training (the
    /// few-shot classifier's prompt or prototype head), where 0 epochs means that starting model.
    /// </summary>
    internal virtual int MinimumEpochs => 1;

    /// <summary>The pretrained encoder to adapt, e.g. <see cref="PretrainedModel.FromDirectory"/>. Required.</summary>
    public PretrainedModel? Backbone { get; set; }

    /// <summary>
    /// The PEFT method and its settings: any registered method's configuration, e.g. a <see cref="LoraConfig"/> with DoRA. When its
    /// target modules are not set, the task's default targets for the architecture are used; the task's head is always added to
    /// <c>modules_to_save</c>. Default: LoRA with the task's <c>Defaults.Rank</c> and <c>Defaults.Alpha</c>.
    /// </summary>
    public PeftConfig? Method { get; set; }

    /// <summary>
    /// A saved PEFT adapter to continue training instead of starting a new one: the folder with <c>adapter_config.json</c> and
    /// <c>adapter_model.safetensors</c>, written by Python's <c>save_pretrained</c> (with the task's <c>task_type</c>, so its head
    /// is saved) or by a transformer's <c>SaveAdapter</c>. Its method, settings and weights, head included, are the starting
    /// point, so <see cref="Method"/> must be null; its head must score as many classes as the label has. Default: null.
    /// </summary>
    public string? InitialAdapterDirectory { get; set; }

    /// <summary>Passes over the training data. Default 3.</summary>
    public int Epochs { get; set; } = TrainerOptionDefaults.Epochs;

    /// <summary>Training examples per step: rows, or for a task that splits long inputs, the parts of them. Default: the task's <c>Defaults.BatchSize</c>.</summary>
    public int BatchSize { get; set; }

    /// <summary>
    /// Peak learning rate of AdamW. Default: the method's, which differ tenfold: 1e-3 for LoRA, DoRA, LoHa, RandLoRA, PaCA,
    /// DyLoRA and bottleneck adapters, 3e-3 for LoKr, 5e-3 for (IA)³, 1e-2 for LN tuning, singular-value tuning, VeRA and LoLDU
    /// (the rates of the README's method table).
    /// </summary>
    public double? LearningRate { get; set; }

    /// <summary>AdamW weight decay (not applied to biases and LayerNorm weights). Default 0.01.</summary>
    public double WeightDecay { get; set; } = TrainerOptionDefaults.WeightDecay;

    /// <summary>Fraction of the steps over which the learning rate rises linearly from 0; it then decays to 0 as <see cref="LearningRateDecay"/> says. Default 0.06.</summary>
    public double WarmupFraction { get; set; } = TrainerOptionDefaults.WarmupFraction;

    /// <summary>How the learning rate decays after warmup: linearly (the default, as Hugging Face's Trainer) or along a cosine.</summary>
    public LearningRateDecay LearningRateDecay { get; set; } = LearningRateDecay.Linear;

    /// <summary>Gradients are clipped to this global norm; 0 turns clipping off. Default 1.</summary>
    public double MaxGradientNorm { get; set; } = TrainerOptionDefaults.MaxGradientNorm;

    /// <summary>
    /// Longest input in tokens (special tokens included), at least 8. What happens to longer inputs is the task's: the text
    /// classifier truncates them and counts them, the tagger splits them into overlapping windows. Default: the backbone's maximum.
    /// </summary>
    public int? MaxSequenceLength { get; set; }

    /// <summary>Rows predicted at once when the trained model transforms data. Default: the task's.</summary>
    public int PredictionBatchSize { get; set; }

    /// <summary>Optional validation data with the same columns; the task's metric on it is reported after every epoch.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Stop when the monitored value (<see cref="EarlyStoppingMetric"/>) has not improved for this many epochs, and keep the best
    /// epoch's weights. Needs <see cref="ValidationSet"/>. Default: off.
    /// </summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// What decides the best epoch with a <see cref="ValidationSet"/>: the validation loss (default, as Hugging Face's Trainer) or
    /// the task's metric (<see cref="EarlyStoppingMetric.TaskMetric"/>).
    /// </summary>
    public EarlyStoppingMetric EarlyStoppingMetric { get; set; } = EarlyStoppingMetric.ValidationLoss;

    /// <summary>
    /// How much the monitored value must beat the best so far to count as an improvement (Keras' <c>min_delta</c>), in its own
    /// units: for example 0.005 for half a point of accuracy. Default 0.
    /// </summary>
    public double EarlyStoppingMinDelta { get; set; }

    /// <summary>
    /// The first epoch that may be kept as the best or count against patience (Keras' <c>start_from_epoch</c>); earlier epochs are
    /// still measured and reported. On small data the first epochs often predict one class everywhere; 2 or 3 stops such an epoch
    /// from being kept. Default 1.
    /// </summary>
    public int EarlyStoppingMinEpochs { get; set; } = 1;

    /// <summary>A folder for checkpoints; a later fit with the same data and options resumes from the last one. Default: none.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Steps between checkpoints when <see cref="CheckpointDirectory"/> is set. Default 200.</summary>
    public int CheckpointEverySteps { get; set; } = TrainerOptionDefaults.CheckpointEverySteps;

    /// <summary>Merge the adapter into the encoder's weights after training, so prediction costs what the base model costs. Default true.</summary>
    public bool MergeAdapterForPrediction { get; set; } = true;

    /// <summary>Receives progress (step, loss, rows per second, time left) during training.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Cancels training between steps.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Where a rank-search trial pauses, as a fraction of its schedule (<c>TrainingSettings.StopAtScheduleFraction</c>); null,
    /// the default, trains to the end. Internal: only the search's budget-aware tuner trains part of a schedule.
    /// </summary>
    internal double? StopAtScheduleFraction { get; set; }

    double? ITaskTrainingOptions.StopAtScheduleFraction => StopAtScheduleFraction;

    /// <summary>A copy whose settings can be changed for one trial of a search without touching these options.</summary>
    /// <remarks>Shallow: the trial replaces <see cref="Method"/> with a configuration of its own rather than changing this one.</remarks>
    internal PeftTrainerOptions CloneForTrial() => (PeftTrainerOptions)MemberwiseClone();
}
