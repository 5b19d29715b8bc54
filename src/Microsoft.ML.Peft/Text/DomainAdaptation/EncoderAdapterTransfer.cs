// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.DomainAdaptation;

/// <summary>
/// Hands an encoder's adapter from one model to another over the same encoder: from the masked-language model of domain-adaptive
/// pre-training (encoder under <c>bert.</c>) to a task model (token or sequence classification, encoder under <c>bert.</c> too),
/// by key, so the task's fine-tuning starts from the domain-adapted adapter instead of LoRA's zero update.
/// </summary>
internal static class EncoderAdapterTransfer
{
    /// <summary>
    /// Copies every tensor of <paramref name="encoderTensors"/> (keys relative to the encoder) into the adapter of
    /// <paramref name="target"/> at <c>base_model.model.</c> + <paramref name="encoderPrefix"/> + key. The target's other adapter
    /// tensors (its head, adapters on modules the source did not adapt) keep their values.
    /// </summary>
    /// <param name="encoderTensors">The source adapter's tensors by saved name relative to the encoder.</param>
    /// <param name="sourceConfig">The source adapter's configuration, to check the target scales the update the same way.</param>
    /// <param name="target">The task model's PEFT wrapper, created with the same method, rank and targets.</param>
    /// <param name="encoderPrefix">Where the encoder sits in the target, e.g. <c>bert.</c>; empty for a bare encoder.</param>
    /// <param name="adapterName">The target adapter; its active adapter when null.</param>
    /// <param name="modelTensors">Tensors of the whole adapter by their full saved name (VeRA's and RandLoRA's shared projections),
    /// copied to the same name, so the transferred per-layer vectors keep the projections they were trained with.</param>
    /// <returns>The number of tensors copied.</returns>
    /// <exception cref="ArgumentException">The target's adapter uses another method or scaling, lacks a key, or has another shape; the message names it and the fix.</exception>
    internal static int CopyInto(IReadOnlyDictionary<string, Tensor> encoderTensors, PeftConfig sourceConfig, PeftModel target, string encoderPrefix, string? adapterName = null,
        IReadOnlyDictionary<string, Tensor>? modelTensors = null)
    {
        ArgumentNullException.ThrowIfNull(encoderTensors);
        ArgumentNullException.ThrowIfNull(sourceConfig);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(encoderPrefix);
        string name = adapterName ?? target.ActiveAdapter;
        CheckSameScaling(sourceConfig, target.GetConfig(name), name);

        using var scope = NewDisposeScope();
        var expected = target.GetAdapterStateDict(name);
        var pairs = new List<(Tensor Target, Tensor Value)>(encoderTensors.Count);
        var byTargetKey = encoderTensors.Select(p => (TargetKey: PeftStateDictKeys.Prefix + encoderPrefix + p.Key, p.Key, p.Value))
            .Concat((modelTensors ?? new Dictionary<string, Tensor>()).Select(p => (TargetKey: p.Key, p.Key, p.Value)));
        foreach (var (targetKey, key, value) in byTargetKey.OrderBy(p => p.TargetKey, StringComparer.Ordinal))
        {
            if (!expected.TryGetValue(targetKey, out var destination))
            {
                throw new ArgumentException(
                    $"The target adapter '{name}' has no tensor '{targetKey}' for the encoder's '{key}'. Create it with the same "
                    + $"`{nameof(PeftConfig.TargetModules)}` as the domain-adapted adapter ({sourceConfig.TargetModules}), and check that the encoder sits under '{encoderPrefix}'.",
                    nameof(target));
            }

            if (!destination.shape.SequenceEqual(value.shape))
            {
                throw new ArgumentException(
                    $"'{targetKey}' has shape [{string.Join(", ", destination.shape)}] in the target adapter but [{string.Join(", ", value.shape)}] in the domain-adapted one; "
                    + "create the target adapter with the same rank.",
                    nameof(target));
            }

            pairs.Add((destination, value));
        }

        // Checked in full before the first write, so a refused transfer leaves the target as it was.
        using var noGrad = no_grad();
        foreach (var (destination, value) in pairs)
        {
            destination.copy_(value.to(destination.dtype, destination.device));
        }

        return pairs.Count;
    }

    // The tensors alone do not carry LoRA's scaling (alpha / r): the same A and B under another alpha are another update.
    private static void CheckSameScaling(PeftConfig source, PeftConfig target, string adapterName)
    {
        if (source.PeftType != target.PeftType)
        {
            throw new ArgumentException(
                $"The target adapter '{adapterName}' is {target.PeftType} but the domain-adapted adapter is {source.PeftType}; create the target with the same method.",
                nameof(target));
        }

        if (source is LoraConfig a && target is LoraConfig b && (a.Alpha != b.Alpha || a.UseRsLora != b.UseRsLora || a.UseDora != b.UseDora))
        {
            throw new ArgumentException(
                $"The target adapter '{adapterName}' scales LoRA differently (Alpha {b.Alpha}, UseRsLora {b.UseRsLora}, UseDora {b.UseDora}) from the domain-adapted one "
                + $"(Alpha {a.Alpha}, UseRsLora {a.UseRsLora}, UseDora {a.UseDora}); create the target with the same values.",
                nameof(target));
        }
    }
}
