// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>Decides by name which trainable parameters receive weight decay.</summary>
/// <remarks>
/// Hugging Face's Trainer decays every parameter except biases and the weights of normalization layers, whose
/// scale is not a model-complexity knob. It finds normalization layers by module type; only names reach the
/// engine, so this follows the naming conventions instead: a parameter named <c>bias</c> (<c>fc.bias</c>,
/// <c>lora_B.default.bias</c>), or one whose module name contains <c>norm</c> (<c>LayerNorm</c>, <c>layer_norm</c>,
/// <c>norm1</c>, <c>ln_f</c> and <c>ln_1</c> through the <c>ln</c> rule). LoRA matrices and DoRA magnitudes decay,
/// as they do under the Trainer.
/// </remarks>
internal static class WeightDecayPolicy
{
    /// <summary>Gets a value indicating whether the parameter named <paramref name="name"/> is decayed.</summary>
    internal static bool AppliesTo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string[] parts = name.Split('.');
        if (parts[^1] == "bias")
        {
            return false;
        }

        return !parts[..^1].Any(IsNormalizationName);
    }

    private static bool IsNormalizationName(string part) =>
        part.Contains("norm", StringComparison.OrdinalIgnoreCase)
        || part == "ln"
        || part.StartsWith("ln_", StringComparison.Ordinal);
}
