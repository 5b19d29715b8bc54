// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>Checks the options of <see cref="PeftTrainerOptions"/> when an estimator is created, naming the option, the value and the fix.</summary>
internal static class TrainerOptionsValidator
{
    /// <summary>Checks that a backbone is set, first, because the other checks read it.</summary>
    /// <param name="options">The options.</param>
    /// <param name="example">A backbone folder to name in the message, e.g. "all-MiniLM-L6-v2".</param>
    internal static void RequireBackbone(PeftTrainerOptions options, string example)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Backbone is null)
        {
            throw new ArgumentNullException(nameof(options), $"`{nameof(PeftTrainerOptions.Backbone)}` is required: set it to a pretrained model, e.g. PretrainedModel.FromDirectory(\"{example}\").");
        }
    }

    /// <summary>Checks that each column name option names a column.</summary>
    internal static void RequireColumnNames(params (string Name, string? Value)[] options)
    {
        foreach (var (name, value) in options)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"`{name}` must name a column, got \"{value}\".", nameof(options));
            }
        }
    }

    /// <summary>Checks that the output column options name distinct columns, since each adds its own column.</summary>
    internal static void RequireDistinctColumnNames(params (string Name, string Value)[] options)
    {
        for (int i = 0; i < options.Length; i++)
        {
            for (int j = i + 1; j < options.Length; j++)
            {
                if (options[i].Value == options[j].Value)
                {
                    throw new ArgumentException($"`{options[i].Name}` and `{options[j].Name}` must differ, both are \"{options[i].Value}\".", nameof(options));
                }
            }
        }
    }

    /// <summary>Checks that an option is positive.</summary>
    internal static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"`{name}` must be positive, got {value}.");
        }
    }

    /// <summary>Checks a <c>MaxSequenceLength</c> option: null, or between the minimum and the backbone's maximum.</summary>
    internal static void SequenceLength(int? maxSequenceLength, PretrainedModel backbone)
    {
        if (maxSequenceLength is { } length && (length < TrainerOptionDefaults.MinSequenceLength || length > backbone.MaxSequenceLength))
        {
            throw new ArgumentOutOfRangeException("options", length, $"`MaxSequenceLength` must be between {TrainerOptionDefaults.MinSequenceLength} and the backbone's {backbone.MaxSequenceLength}, got {length}.");
        }
    }

    /// <summary>Checks the shared options; call it after <see cref="RequireBackbone"/> and the task's own checks.</summary>
    internal static void Validate(PeftTrainerOptions options)
    {
        var backbone = options.Backbone!;
        if (options.Epochs < options.MinimumEpochs)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options.Epochs), options.Epochs, options.MinimumEpochs == 0 ? $"`{nameof(options.Epochs)}` must be 0 (no training) or more, got {options.Epochs}." : $"`{nameof(options.Epochs)}` must be positive, got {options.Epochs}.");
        }

        Positive(options.BatchSize, nameof(options.BatchSize));
        Positive(options.PredictionBatchSize, nameof(options.PredictionBatchSize));
        Positive(options.CheckpointEverySteps, nameof(options.CheckpointEverySteps));
        if (options.LearningRate is double rate && (!(rate > 0) || double.IsInfinity(rate)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), rate, $"`{nameof(options.LearningRate)}` must be a positive number, or null for the method's default; got {rate}.");
        }

        SequenceLength(options.MaxSequenceLength, backbone);

        if (options.EarlyStoppingPatience is not null && options.ValidationSet is null)
        {
            throw new ArgumentException($"`{nameof(options.EarlyStoppingPatience)}` needs a `{nameof(options.ValidationSet)}` to measure improvement; set one or leave the patience null.", nameof(options));
        }

        if (!Enum.IsDefined(options.LearningRateDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LearningRateDecay, $"`{nameof(options.LearningRateDecay)}` must be one of {string.Join(", ", Enum.GetNames<LearningRateDecay>())}, got {options.LearningRateDecay}.");
        }

        if (!Enum.IsDefined(options.EarlyStoppingMetric))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.EarlyStoppingMetric, $"`{nameof(options.EarlyStoppingMetric)}` must be one of {string.Join(", ", Enum.GetNames<EarlyStoppingMetric>())}, got {options.EarlyStoppingMetric}.");
        }

        if (!(options.EarlyStoppingMinDelta >= 0) || double.IsInfinity(options.EarlyStoppingMinDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.EarlyStoppingMinDelta, $"`{nameof(options.EarlyStoppingMinDelta)}` must be 0 or a positive number, got {options.EarlyStoppingMinDelta}.");
        }

        if (options.Epochs > 0 && (options.EarlyStoppingMinEpochs < 1 || options.EarlyStoppingMinEpochs > options.Epochs))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.EarlyStoppingMinEpochs, $"`{nameof(options.EarlyStoppingMinEpochs)}` must be between 1 and `{nameof(options.Epochs)}` ({options.Epochs}), got {options.EarlyStoppingMinEpochs}.");
        }

        if (options.InitialAdapterDirectory is { } adapter)
        {
            if (string.IsNullOrWhiteSpace(adapter))
            {
                throw new ArgumentException($"`{nameof(options.InitialAdapterDirectory)}` must name an adapter folder, or be null to train a new adapter; got \"{adapter}\".", nameof(options));
            }

            if (options.Method is not null)
            {
                throw new ArgumentException(
                    $"`{nameof(options.Method)}` and `{nameof(options.InitialAdapterDirectory)}` are both set: a continued adapter keeps the method and settings it was saved with. "
                    + $"Leave `{nameof(options.Method)}` null to continue the adapter in '{adapter}', or `{nameof(options.InitialAdapterDirectory)}` null to train a new one.",
                    nameof(options));
            }

            if (!Directory.Exists(adapter))
            {
                throw new DirectoryNotFoundException($"`{nameof(options.InitialAdapterDirectory)}`: the adapter folder '{Path.GetFullPath(adapter)}' does not exist.");
            }
        }

        options.Method?.Validate();
    }
}
