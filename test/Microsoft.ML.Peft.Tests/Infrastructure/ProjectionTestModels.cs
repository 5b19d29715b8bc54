// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// <c>down(up(x))</c> with <c>up</c> = Linear(6, 14) and <c>down</c> = Linear(14, 6): one layer wider than its input and one
/// narrower, so shared projections are sliced both ways. With no non-linearity the output is easy to compute by hand.
/// </summary>
internal sealed class UpDownModel : nn.Module<Tensor, Tensor>
{
    internal const int Narrow = 6;
    internal const int Wide = 14;

    [ComponentName(Name = "up")]
    private readonly Linear _up = nn.Linear(Narrow, Wide);
    [ComponentName(Name = "down")]
    private readonly Linear _down = nn.Linear(Wide, Narrow);

    internal UpDownModel()
        : base(nameof(UpDownModel)) => RegisterComponents();

    internal Linear Up => _up;

    internal Linear Down => _down;

    internal static Tensor Input() => randn(5, Narrow);

    /// <summary>The output with effective weights <c>W + ΔW</c> for each layer, written out.</summary>
    internal Tensor Reference(Tensor x, Tensor deltaUp, Tensor deltaDown)
    {
        var hidden = x.matmul((_up.weight + deltaUp).t()) + _up.bias!;
        return hidden.matmul((_down.weight + deltaDown).t()) + _down.bias!;
    }

    public override Tensor forward(Tensor input) => _down.call(_up.call(input));
}

/// <summary>BERT-base's attention projections only: 12 layers of <c>layer.N.attention.self.{query,key,value}</c>, 768 wide.</summary>
internal sealed class BertBaseAttentionShapes : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "layer")]
    private readonly ModuleList<AttentionShapes> _layer = nn.ModuleList(Enumerable.Range(0, 12).Select(_ => new AttentionShapes()).ToArray());

    internal BertBaseAttentionShapes()
        : base(nameof(BertBaseAttentionShapes)) => RegisterComponents();

    public override Tensor forward(Tensor input) => _layer.Aggregate(input, (x, layer) => layer.call(x));
}

/// <summary>One layer's <c>attention</c>, holding <c>self</c>.</summary>
internal sealed class AttentionShapes : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "attention")]
    private readonly SelfAttentionShapes _attention = new();

    internal AttentionShapes()
        : base(nameof(AttentionShapes)) => RegisterComponents();

    public override Tensor forward(Tensor input) => _attention.call(input);
}

/// <summary>BERT's <c>self</c> block: query, key and value, 768 → 768.</summary>
internal sealed class SelfAttentionShapes : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "self")]
    private readonly ProjectionShapes _self = new();

    internal SelfAttentionShapes()
        : base(nameof(SelfAttentionShapes)) => RegisterComponents();

    public override Tensor forward(Tensor input) => _self.call(input);
}

/// <summary>The query, key and value projections.</summary>
internal sealed class ProjectionShapes : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "query")]
    private readonly Linear _query = nn.Linear(768, 768);
    [ComponentName(Name = "key")]
    private readonly Linear _key = nn.Linear(768, 768);
    [ComponentName(Name = "value")]
    private readonly Linear _value = nn.Linear(768, 768);

    internal ProjectionShapes()
        : base(nameof(ProjectionShapes)) => RegisterComponents();

    public override Tensor forward(Tensor input) => _query.call(input) + _key.call(input) + _value.call(input);
}

/// <summary>Reading and rewriting saved adapter files in tests.</summary>
internal static class AdapterFiles
{
    internal static Dictionary<string, Tensor> Weights(string directory) =>
        SafeTensorsFile.Read(Path.Combine(directory, PeftModel.AdapterWeightsFileName));

    internal static void ReplaceWeights(string directory, Dictionary<string, Tensor> tensors) =>
        SafeTensorsFile.Write(Path.Combine(directory, PeftModel.AdapterWeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>
    /// Saves a fresh <see cref="UpDownModel"/>'s adapter of <paramref name="config"/> to <paramref name="directory"/>, edits its
    /// tensors, and returns what loading the edited file onto another fresh model throws.
    /// </summary>
    internal static InvalidDataException LoadEdited(string directory, PeftConfig config, Action<Dictionary<string, Tensor>> edit)
    {
        using (var model = new UpDownModel())
        using (var peft = PeftModel.Create(model, config))
        {
            peft.SaveAdapter(directory);
        }

        var tensors = Weights(directory);
        edit(tensors);
        ReplaceWeights(directory, tensors);
        using var fresh = new UpDownModel();
        return Assert.Throws<InvalidDataException>(() => PeftModel.FromPretrained(fresh, directory));
    }
}
