// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;

namespace Microsoft.ML.Peft;

/// <summary>Serving several adapters in one forward pass (PEFT's <c>adapter_names</c> argument).</summary>
public sealed partial class PeftModel
{
    /// <summary>The name that makes a row of a mixed batch run the base model without adapters (PEFT's <c>"__base__"</c>).</summary>
    public const string BaseModelRowName = TunerLayer.BaseRowName;

    /// <summary>
    /// Runs the forward passes inside the returned scope with one adapter per row of the batch, so that a single pass
    /// serves requests for different adapters on one backbone (PEFT's <c>adapter_names</c>).
    /// </summary>
    /// <param name="adapterNamePerRow">For each row (the first dimension of every adapted module's input), an adapter name or
    /// <see cref="BaseModelRowName"/> for the base model.</param>
    /// <returns>A scope that restores the active adapter for every row when disposed.</returns>
    /// <remarks>
    /// <para>
    /// Each adapter runs once on the rows that name it, so the cost grows with the number of distinct adapters, not of
    /// rows; a module that an adapter does not target leaves that adapter's rows at the base output, as in PEFT. The
    /// rows must stay rows through the whole model (token tensors of shape batch × sequence × width do; a model that
    /// flattens the batch into its first dimension before an adapted module does not), and the batch size must not change
    /// while the scope is open.
    /// </para>
    /// <para>
    /// Unlike PEFT, DoRA adapters may be mixed too. For inference only: the model must be in <c>eval()</c> mode and no
    /// adapter may be merged.
    /// </para>
    /// </remarks>
    /// <example>
    /// <code>
    /// model.eval();
    /// using (peft.UseAdapterPerRow(new[] { "legal", "medical", PeftModel.BaseModelRowName, "legal" }))
    /// {
    ///     logits = model.call(batchOfFour);
    /// }
    /// </code>
    /// </example>
    /// <exception cref="ArgumentNullException"><paramref name="adapterNamePerRow"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The list is empty or names an adapter that does not exist.</exception>
    /// <exception cref="InvalidOperationException">The model is in training mode, an adapter is merged, or another per-row scope is open.
    /// A forward pass whose batch size differs from the number of names also throws this exception.</exception>
    /// <exception cref="NotSupportedException">An adapter trains modules in modules_to_save, which hold one adapter's values at a time.</exception>
    public IDisposable UseAdapterPerRow(IReadOnlyList<string> adapterNamePerRow)
    {
        ThrowIfReleased();
        ArgumentNullException.ThrowIfNull(adapterNamePerRow);
        var names = adapterNamePerRow.ToArray();
        if (names.Length == 0)
        {
            throw new ArgumentException("Give one adapter name per row of the batch.", nameof(adapterNamePerRow));
        }

        var unknown = names.Where(n => n != BaseModelRowName && (n is null || !_configs.ContainsKey(n))).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"Trying to infer with non-existing adapter(s): [{string.Join(", ", unknown.Select(n => n ?? "null"))}]; adapters: [{string.Join(", ", _adapterOrder)}], or '{BaseModelRowName}' for the base model.",
                nameof(adapterNamePerRow));
        }

        if (_model.training)
        {
            throw new InvalidOperationException("Per-row adapters are for inference only, as in PEFT; call eval() on the model first.");
        }

        if (IsMerged)
        {
            throw new InvalidOperationException($"Per-row adapters cannot run while adapters are merged; call {nameof(UnmergeAdapter)}() first.");
        }

        if (_slots.Count > 0)
        {
            throw new NotSupportedException(
                $"Per-row adapters are not supported with modules_to_save ([{string.Join(", ", _slots.Keys)}]): such a module holds one adapter's values at a time. Run one batch per adapter instead.");
        }

        if (_layers.Values.Any(l => l.RowAdapters is not null))
        {
            throw new InvalidOperationException($"Another {nameof(UseAdapterPerRow)} scope is open; dispose it first.");
        }

        foreach (var layer in _layers.Values)
        {
            layer.RowAdapters = names;
        }

        return new PerRowAdapterScope(this);
    }

    private sealed class PerRowAdapterScope : IDisposable
    {
        private PeftModel? _owner;

        internal PerRowAdapterScope(PeftModel owner) => _owner = owner;

        public void Dispose()
        {
            var owner = Interlocked.Exchange(ref _owner, null);
            if (owner is not null && !owner._released)
            {
                foreach (var layer in owner._layers.Values)
                {
                    layer.RowAdapters = null;
                }
            }
        }
    }
}
