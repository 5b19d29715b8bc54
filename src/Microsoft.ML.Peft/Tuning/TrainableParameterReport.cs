// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace Microsoft.ML.Peft;

/// <summary>How many parameters train, as PEFT's <c>print_trainable_parameters</c> reports it.</summary>
public sealed class TrainableParameterReport
{
    internal TrainableParameterReport(long trainableParameters, long allParameters)
    {
        TrainableParameters = trainableParameters;
        AllParameters = allParameters;
    }

    /// <summary>Gets the number of parameters that receive gradients.</summary>
    public long TrainableParameters { get; }

    /// <summary>Gets the number of parameters of the base model plus every adapter (PEFT counts a copy per adapter for modules_to_save).</summary>
    public long AllParameters { get; }

    /// <summary>Gets the trainable share in percent.</summary>
    public double TrainablePercent => AllParameters == 0 ? 0 : 100.0 * TrainableParameters / AllParameters;

    /// <summary>Formats the report as PEFT prints it.</summary>
    /// <returns>For example <c>trainable params: 294,912 || all params: 109,777,152 || trainable%: 0.2687</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"trainable params: {TrainableParameters:N0} || all params: {AllParameters:N0} || trainable%: {TrainablePercent:F4}");
}
