// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.TextClassification;

namespace Microsoft.ML.Peft;

/// <summary>
/// Fine-tunes a pretrained text encoder for classification with a parameter-efficient method (LoRA by default): only the
/// adapter and a new classification head are trained, the encoder's weights stay frozen. Create it with
/// <c>mlContext.Peft().LoraTextClassifier(...)</c>.
/// </summary>
/// <remarks>
/// <para>Input: a text column (and optionally a second text column for sentence pairs) and a label column whose type chooses
/// the output: a key (<c>MapValueToKey</c>) for a multiclass classifier, a Boolean for a binary one.</para>
/// <para>Output for a key label: <c>Score</c>, a vector of class probabilities, and <c>PredictedLabel</c>, a key with the label's
/// key values (<c>MulticlassClassification.Evaluate</c>). For a Boolean label, the columns of ML.NET's binary trainers:
/// <c>Score</c> (the margin logit(true) − logit(false)), <c>Probability</c> (P(true)) and <c>PredictedLabel</c> (Boolean,
/// P(true) &gt; 0.5), which <c>BinaryClassification.Evaluate</c> reads.</para>
/// <para>Training runs on the CPU, or on CUDA when <c>MLContext.GpuDeviceId</c> is set and the application references a TorchSharp
/// CUDA runtime package. It is reproducible for a given <c>MLContext</c> seed on the CPU.</para>
/// </remarks>
public sealed class LoraTextClassificationEstimator : IEstimator<LoraTextClassificationTransformer>
{
    private readonly MLContext _context;
    private readonly LoraTextClassifierOptions _options;
    private readonly TextClassifierColumns _columns;

    internal LoraTextClassificationEstimator(MLContext context, LoraTextClassifierOptions options)
    {
        _context = context;
        _options = options;
        TextClassifierOptionsValidator.Validate(options);
        _columns = new TextClassifierColumns(options.TextColumnName, options.SecondTextColumnName, new ClassifierOutputColumns(options.ScoreColumnName, options.ProbabilityColumnName, options.PredictedLabelColumnName));
    }

    /// <summary>
    /// The input shape plus <c>Score</c> and <c>PredictedLabel</c> for a key label, or <c>Score</c>, <c>Probability</c> and
    /// <c>PredictedLabel</c> (Boolean) for a Boolean label.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type; the message names it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaErrors.FindText(inputSchema, "Text", _columns.TextColumn);
        if (_columns.SecondTextColumn is { } second)
        {
            SchemaErrors.FindText(inputSchema, "Second text", second);
        }

        var label = SchemaErrors.FindClassifierLabel(inputSchema, _options.LabelColumnName);
        return ScoreColumnsShape.Create(_context, inputSchema, _columns.Outputs, label);
    }

    /// <summary>Trains the adapter and head on <paramref name="input"/> and returns the trained classifier.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The data is empty, a text is empty, or a label is missing (key 0); the message names the row.</exception>
    /// <exception cref="OperationCanceledException">The options' cancellation token was cancelled.</exception>
    public LoraTextClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TextClassifierTrainer.Train(_context, _options, _columns, input);
    }
}
