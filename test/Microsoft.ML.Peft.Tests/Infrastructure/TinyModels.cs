// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>PEFT's test MLP: Linear(10, 20), ReLU, Dropout, Linear(20, 20), and a classification head Linear(20, 3).</summary>
internal sealed class TinyMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "lin0")]
    private readonly Linear _lin0 = nn.Linear(10, 20);
    [ComponentName(Name = "drop")]
    private readonly Dropout _drop = nn.Dropout(0.1);
    [ComponentName(Name = "lin1")]
    private readonly Linear _lin1 = nn.Linear(20, 20);
    [ComponentName(Name = "head")]
    private readonly Linear _head = nn.Linear(20, 3);

    internal TinyMlp()
        : base(nameof(TinyMlp)) => RegisterComponents();

    internal static Tensor Input(int batch = 6) => randn(batch, 10);

    public override Tensor forward(Tensor input)
    {
        var hidden = _drop.call(nn.functional.relu(_lin0.call(input)));
        return _head.call(nn.functional.relu(_lin1.call(hidden)));
    }
}

/// <summary>A two-layer transformer encoder over (batch, time, 16) inputs with names like <c>encoder.layer.1.attention.query</c>.</summary>
internal sealed class TinyEncoder : nn.Module<Tensor, Tensor>
{
    internal const int Width = 16;

    [ComponentName(Name = "encoder")]
    private readonly TinyLayerStack _encoder = new();
    [ComponentName(Name = "classifier")]
    private readonly Linear _classifier = nn.Linear(Width, 3);

    internal TinyEncoder()
        : base(nameof(TinyEncoder)) => RegisterComponents();

    internal static Tensor Input(int batch = 4) => randn(batch, 5, Width);

    public override Tensor forward(Tensor input) => _classifier.call(_encoder.call(input).mean(new long[] { 1 }));
}

/// <summary>The encoder's list of blocks, so names carry a prefix before <c>layer.N</c> as in Hugging Face models.</summary>
internal sealed class TinyLayerStack : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "layer")]
    private readonly ModuleList<TinyBlock> _layer = nn.ModuleList(new TinyBlock(), new TinyBlock());

    internal TinyLayerStack()
        : base(nameof(TinyLayerStack)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        var hidden = input;
        foreach (var block in _layer)
        {
            hidden = block.call(hidden);
        }

        return hidden;
    }
}

/// <summary>One encoder block: single-head self-attention, LayerNorm, feed-forward.</summary>
internal sealed class TinyBlock : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "attention")]
    private readonly TinyAttention _attention = new();
    [ComponentName(Name = "norm")]
    private readonly LayerNorm _norm = nn.LayerNorm(TinyEncoder.Width);
    [ComponentName(Name = "intermediate")]
    private readonly Linear _intermediate = nn.Linear(TinyEncoder.Width, 2 * TinyEncoder.Width);
    [ComponentName(Name = "output")]
    private readonly Linear _output = nn.Linear(2 * TinyEncoder.Width, TinyEncoder.Width);

    internal TinyBlock()
        : base(nameof(TinyBlock)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        var attended = _norm.call(input + _attention.call(input));
        return attended + _output.call(nn.functional.gelu(_intermediate.call(attended)));
    }
}

/// <summary>Self-attention with query, key, value and dense output projections.</summary>
internal sealed class TinyAttention : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "query")]
    private readonly Linear _query = nn.Linear(TinyEncoder.Width, TinyEncoder.Width);
    [ComponentName(Name = "key")]
    private readonly Linear _key = nn.Linear(TinyEncoder.Width, TinyEncoder.Width);
    [ComponentName(Name = "value")]
    private readonly Linear _value = nn.Linear(TinyEncoder.Width, TinyEncoder.Width);
    [ComponentName(Name = "dense")]
    private readonly Linear _dense = nn.Linear(TinyEncoder.Width, TinyEncoder.Width);

    internal TinyAttention()
        : base(nameof(TinyAttention)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        var scores = _query.call(input).matmul(_key.call(input).transpose(1, 2)) / Math.Sqrt(TinyEncoder.Width);
        return _dense.call(scores.softmax(-1).matmul(_value.call(input)));
    }
}

/// <summary>Token ids → Embedding(50, 12) → mean → Linear(12, 8) → ReLU → Linear(8, 3).</summary>
internal sealed class TinyEmbeddingModel : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "embed")]
    private readonly Embedding _embed = nn.Embedding(50, 12);
    [ComponentName(Name = "proj")]
    private readonly Linear _proj = nn.Linear(12, 8);
    [ComponentName(Name = "classifier")]
    private readonly Linear _classifier = nn.Linear(8, 3);

    internal TinyEmbeddingModel()
        : base(nameof(TinyEmbeddingModel)) => RegisterComponents();

    internal static Tensor Input(int batch = 4) => randint(0, 50, new long[] { batch, 7 });

    public override Tensor forward(Tensor input) =>
        _classifier.call(nn.functional.relu(_proj.call(_embed.call(input).mean(new long[] { 1 }))));
}
