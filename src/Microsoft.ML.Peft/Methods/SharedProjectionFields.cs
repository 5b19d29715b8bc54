// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Methods;

/// <summary>
/// The <c>adapter_config.json</c> options VeRA and RandLoRA share but implement only at their defaults: <c>fan_in_fan_out</c>
/// (GPT-2's Conv1D layers, which this library does not adapt) and <c>bias</c> (base biases that train with the adapter).
/// </summary>
internal static class SharedProjectionFields
{
    /// <summary>Refuses an adapter whose <c>fan_in_fan_out</c> or <c>bias</c> is not at its default, naming the field.</summary>
    /// <exception cref="NotSupportedException">A field has a value other than its default.</exception>
    internal static void RefuseNonDefaults(JsonObject document, string source, string methodOnlyBias)
    {
        if (document.TryGetPropertyValue("fan_in_fan_out", out var fanInFanOut) && fanInFanOut is not null && fanInFanOut.GetValueKind() != JsonValueKind.False)
        {
            throw new NotSupportedException(
                $"'{source}': `fan_in_fan_out` = {fanInFanOut.ToJsonString()} is not supported: it is for Conv1D layers (GPT-2), and only Linear layers are adapted. Only adapters with `fan_in_fan_out` = false can be loaded.");
        }

        if (document.TryGetPropertyValue("bias", out var bias) && bias is not null
            && !(bias.GetValueKind() == JsonValueKind.String && bias.GetValue<string>() == "none"))
        {
            throw new NotSupportedException(
                $"'{source}': `bias` = {bias.ToJsonString()} (\"all\" or \"{methodOnlyBias}\") is a PEFT option Microsoft.ML.Peft does not implement for this method; only adapters with `bias` = \"none\" can be loaded.");
        }
    }
}
