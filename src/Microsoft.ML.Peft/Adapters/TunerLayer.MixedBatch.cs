// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Adapters;

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
        using var scope = NewDisposeScope();
        var groups = RowGroups(input, rowAdapters, training);
        if (groups.Count == 0)
        {
            return output;
        }

        var result = output;
        foreach (var (adapter, rows) in groups)
        {
            var adapted = ApplyAdapters(input.index_select(0, rows), output.index_select(0, rows), new[] { adapter }, training: false);
            result = result.index_copy(0, rows, adapted.to(result.dtype));
        }

        return result.MoveToOuterDisposeScope();
    }

    // The input side for methods that transform the target's input ((IA)³ on feed-forward layers): each row's input is
    // transformed by its own adapter only; null keeps the input as it is.
    private Tensor? MixedBatchInput(Tensor input, IReadOnlyList<string> rowAdapters, bool training)
    {
        using var scope = NewDisposeScope();
        var groups = RowGroups(input, rowAdapters, training);
        if (groups.Count == 0)
        {
            return null;
        }

        var result = input;
        foreach (var (adapter, rows) in groups)
        {
            if (TransformInput(input.index_select(0, rows), new[] { adapter }, training: false) is { } transformed)
            {
                result = result.index_copy(0, rows, transformed.to(result.dtype));
            }
        }

        return ReferenceEquals(result, input) ? null : result.MoveToOuterDisposeScope();
    }

    // Checks the batch against the row names and groups the rows of each adapter this module has; rows of the base model,
    // or of an adapter this module does not have (PEFT skips it too), are left out.
    private List<(string Adapter, Tensor Rows)> RowGroups(Tensor input, IReadOnlyList<string> rowAdapters, bool training)
    {
        if (training)
        {
            throw new InvalidOperationException(
                $"Module '{ModulePath}' is in training mode; per-row adapters are for inference only (as PEFT's adapter_names). Call eval() on the model first.");
        }

        if (IsMerged)
        {
            throw new InvalidOperationException(
                $"Module '{ModulePath}' has merged adapters [{string.Join(", ", MergedAdapters)}]; call UnmergeAdapter() before running per-row adapters.");
        }

        if (input.shape[0] != rowAdapters.Count)
        {
            throw new InvalidOperationException(
                $"Module '{ModulePath}' received {input.shape[0]} rows but {rowAdapters.Count} adapter names were given; give one name per row of the batch (the first dimension of the input).");
        }

        return rowAdapters
            .Select((adapter, row) => (Adapter: adapter, Row: (long)row))
            .Where(r => r.Adapter != BaseRowName && AdapterNames.Contains(r.Adapter))
            .GroupBy(r => r.Adapter, StringComparer.Ordinal)
            .Select(g => (g.Key, tensor(g.Select(r => r.Row).ToArray(), device: input.device)))
            .ToList();
    }
}
