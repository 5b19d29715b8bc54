// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of (IA)³, "infused adapter by inhibiting and amplifying inner activations", field for field Hugging Face
/// PEFT's <c>IA3Config</c> (<c>peft_type: "IA3"</c>).
/// </summary>
/// <remarks>
/// Each target <c>Linear</c> learns one vector <c>l</c> (PEFT's <c>ia3_l</c>), initialised to ones. A target that is not a
/// feed-forward module scales its output, bias included: <c>y = base(x) ⊙ l</c> with <c>l</c> of shape (d_out, 1). A
/// feed-forward target scales its input: <c>y = base(x ⊙ l)</c> with <c>l</c> of shape (1, d_in).
/// A module is feed-forward when its full name ends with an entry of <see cref="FeedforwardModules"/> with no dot
/// required (PEFT's plain <c>endswith</c>), so <c>output.dense</c> marks both BERT's <c>attention.output.dense</c> and its
/// <c>output.dense</c>; this reproduces PEFT exactly. A regex must match the whole name.
/// </remarks>
public sealed class IA3Config : PeftConfig
{
    /// <inheritdoc/>
    /// <remarks>The scaling vectors start at one and train multiplicatively, so they need a larger step than a low-rank update.</remarks>
    internal override double DefaultLearningRate => 5e-3;

    private ModuleSelector? _feedforwardModules;
    private bool _initializeWeights = true;

    /// <summary>Initializes a configuration with PEFT's defaults (vectors start at one; targets and feed-forward modules unset).</summary>
    public IA3Config()
    {
    }

    private IA3Config(IA3Config other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _feedforwardModules = other._feedforwardModules;
        _initializeWeights = other._initializeWeights;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.IA3.IA3Method.PeftTypeName;

    /// <summary>
    /// Gets or sets the targets whose input, rather than output, is scaled (<c>feedforward_modules</c>). A list must be a subset
    /// of a list <see cref="PeftConfig.TargetModules"/>; <see langword="null"/> means none (the estimators fill in the
    /// architecture's default).
    /// </summary>
    public ModuleSelector? FeedforwardModules
    {
        get => _feedforwardModules;
        set { VerifyMutable(); _feedforwardModules = value; }
    }

    /// <summary>
    /// Gets or sets a value indicating whether the vectors start at one, so the adapter is a no-op until trained
    /// (<c>init_ia3_weights</c>); false draws them from a standard normal distribution, which PEFT discourages.
    /// </summary>
    public bool InitializeWeights
    {
        get => _initializeWeights;
        set { VerifyMutable(); _initializeWeights = value; }
    }

    /// <inheritdoc />
    public override PeftConfig Clone() => new IA3Config(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (LayersToTransform is { Count: > 0 } || LayersPattern is { Count: > 0 })
        {
            throw new ArgumentException(
                $"`{nameof(LayersToTransform)}`/`{nameof(LayersPattern)}` are not IA3 options in PEFT; select layers with a regex `{nameof(TargetModules)}` instead.",
                nameof(LayersToTransform));
        }

        if (_feedforwardModules?.Kind == ModuleSelectorKind.AllLinear)
        {
            throw new ArgumentException(
                $"`{nameof(FeedforwardModules)}` cannot be all-linear; give module names (e.g. \"output.dense\") or a regex.", nameof(FeedforwardModules));
        }

        // PEFT checks the subset rule only when both are lists.
        if (_feedforwardModules?.Kind == ModuleSelectorKind.Names && TargetModules?.Kind == ModuleSelectorKind.Names)
        {
            var missing = _feedforwardModules.Names.Except(TargetModules.Names, StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException(
                    $"`{nameof(FeedforwardModules)}` must be a subset of `{nameof(TargetModules)}` {TargetModules}, but [{string.Join(", ", missing)}] "
                    + $"is not in it; add it to `{nameof(TargetModules)}` or remove it from `{nameof(FeedforwardModules)}`.",
                    nameof(FeedforwardModules));
            }
        }
    }
}
