// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>Which base-model biases train alongside the adapter (PEFT's <c>bias</c>).</summary>
public enum LoraBiasMode
{
    /// <summary>No bias trains (PEFT <c>"none"</c>).</summary>
    None,

    /// <summary>Every bias of the model trains and is saved with the adapter (PEFT <c>"all"</c>).</summary>
    All,

    /// <summary>Only the biases of the adapted layers train and are saved (PEFT <c>"lora_only"</c>).</summary>
    LoraOnly,
}
