// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of LayerNorm tuning, field for field Hugging Face PEFT's <c>LNTuningConfig</c> (<c>peft_type: "LN_TUNING"</c>).
/// </summary>
/// <remarks>
/// Each target <c>LayerNorm</c> gets a trainable copy (PEFT's <c>ln_tuning_layers</c>) that runs instead of the original; only the
/// copies' weights and biases (2·d values per LayerNorm) train. Merging writes the copy's values into the original, exactly.
/// Only one adapter can be active or merged at a time. The method has no options beyond the shared ones.
/// </remarks>
public sealed class LayerNormTuningConfig : PeftConfig
{
    /// <inheritdoc/>
    /// <remarks>Only the LayerNorm scales and shifts train, a few thousand values, and they need ten times LoRA's rate to move.</remarks>
    internal override double DefaultLearningRate => 1e-2;

    /// <summary>Initializes a configuration with PEFT's defaults (targets unset: the estimators fill in the architecture's LayerNorms).</summary>
    public LayerNormTuningConfig()
    {
    }

    private LayerNormTuningConfig(LayerNormTuningConfig other)
        : base(other)
    {
    }

    /// <inheritdoc />
    public override string PeftType => Methods.LnTuning.LayerNormTuningMethod.PeftTypeName;

    /// <inheritdoc />
    public override PeftConfig Clone() => new LayerNormTuningConfig(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (LayersToTransform is { Count: > 0 } || LayersPattern is { Count: > 0 })
        {
            throw new ArgumentException(
                $"`{nameof(LayersToTransform)}`/`{nameof(LayersPattern)}` are not LN tuning options in PEFT; select layers with a regex `{nameof(TargetModules)}` instead.",
                nameof(LayersToTransform));
        }

        if (TargetModules?.Kind == ModuleSelectorKind.AllLinear)
        {
            throw new ArgumentException(
                $"`{nameof(TargetModules)}` cannot be all-linear for LN tuning, which adapts LayerNorm modules; name them, e.g. ModuleSelector.FromNames(\"LayerNorm\").",
                nameof(TargetModules));
        }
    }
}
