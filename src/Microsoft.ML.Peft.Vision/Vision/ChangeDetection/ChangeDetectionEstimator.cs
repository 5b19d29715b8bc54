// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision;
using Microsoft.ML.Peft.Vision.ChangeDetection;

namespace Microsoft.ML.Peft;

/// <summary>
/// Trains PeftCD's change detector: a PEFT adapter (LoRA by default) on a pretrained encoder that reads the image before and
/// the image after with shared weights, and a light decoder over the difference of their feature maps. Created by
/// <c>mlContext.Peft().ChangeDetector(...)</c>.
/// </summary>
/// <remarks>
/// Input: two image columns (<see cref="ChangeDetectorOptions.BeforeImageColumnName"/>,
/// <see cref="ChangeDetectorOptions.AfterImageColumnName"/>) and, for training, a change-mask image column
/// (<see cref="ChangeDetectorOptions.MaskColumnName"/>), all of one size per row. Output: the change probability map and the
/// predicted mask (see <see cref="ChangeDetectionTransformer"/>).
/// </remarks>
public sealed class ChangeDetectionEstimator : IEstimator<ChangeDetectionTransformer>
{
    private readonly MLContext _context;
    private readonly ChangeDetectorOptions _options;
    private readonly ChangeDetectorColumns _columns;

    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    internal ChangeDetectionEstimator(MLContext context, ChangeDetectorOptions options)
    {
        ChangeDetectorOptionsValidator.Validate(options);
        _context = context;
        _options = options;
        _columns = new ChangeDetectorColumns(options.BeforeImageColumnName, options.AfterImageColumnName, options.ProbabilityColumnName, options.PredictedMaskColumnName);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ImageColumn.Find(inputSchema, _columns.Before);
        ImageColumn.Find(inputSchema, _columns.After);
        ImageColumn.Find(inputSchema, _options.MaskColumnName);
        return _columns.OutputShape(_context, inputSchema);
    }

    /// <summary>Trains the adapter and decoder on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidDataException">An image cannot be read, or a row's images and mask differ in size, or pairs differ in size; the row is named.</exception>
    public ChangeDetectionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ChangeDetectorTrainer.Train(_context, _options, _columns, input);
    }
}
