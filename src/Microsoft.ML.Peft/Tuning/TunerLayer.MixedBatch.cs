// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tuning;

/// <summary>Mixed-adapter batches: each row of the target's input names its own adapter (PEFT's <c>adapter_names</c>).</summary>
internal abstract partial class TunerLayer
{
    /// <summary>The name PEFT uses for rows that run the base model without any adapter.</summary>
    internal const string BaseRowName = "__base__";

    /// <summary>The adapter of each row of the next forward passes (the first dimension of the input); null for the usual active adapters.</summary>
    internal IReadOnlyList<string>? RowAdapters { get; set; }

    // Each adapter runs once on its own rows; rows of the base model, or of an adapter this module does not have
    // (PEFT skips it too), keep the base output. ApplyAdapters sees a sub-batch, so any method whose update acts row
    // by row works, DoRA included.
    private Tensor MixedBatchForward(Tensor input, Tensor output, IReadOnlyList<string> rowAdapters, bool training)
    {
        if (training)
        {
            throw new InvalidOperationException(
                $"Module '{ModulePath}' is in training mode; per-row adapters are for inference only (as PEFT's adapter_names). Call eval() on the model first.");
        }

        if (IsMerged)
        {
            throw new InvalidOperationException(
                $"Module '{ModulePath}' has merged adapters [{string.Join(", ", MergedAdapters)}]; call {nameof(PeftModel.UnmergeAdapter)}() before running per-row adapters.");
        }

        if (input.shape[0] != rowAdapters.Count)
        {
            throw new InvalidOperationException(
                $"Module '{ModulePath}' received {input.shape[0]} rows but {rowAdapters.Count} adapter names were given; give one name per row of the batch (the first dimension of the input).");
        }

        var groups = rowAdapters
            .Select((adapter, row) => (Adapter: adapter, Row: (long)row))
            .Where(r => r.Adapter != BaseRowName && AdapterNames.Contains(r.Adapter))
            .GroupBy(r => r.Adapter, StringComparer.Ordinal)
            .ToList();
        if (groups.Count == 0)
        {
            return output;
        }

        using var scope = NewDisposeScope();
        var result = output;
        foreach (var group in groups)
        {
            var rows = tensor(group.Select(r => r.Row).ToArray(), device: input.device);
            var adapted = ApplyAdapters(input.index_select(0, rows), output.index_select(0, rows), new[] { group.Key }, training: false);
            result = result.index_copy(0, rows, adapted.to(result.dtype));
        }

        return result.MoveToOuterDisposeScope();
    }
}
