// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Paca;

/// <summary>
/// PaCA's correction to a frozen linear layer's output, <c>x[..., idx]·(s·paca_w − W[:, idx])ᵀ</c>, as a custom
/// autograd function whose backward keeps only the selected input features <c>x[..., idx]</c>. Written with plain
/// operations, autograd would keep the whole input <c>x</c> alive for the gradient of <c>paca_w</c>; the frozen base
/// matmul itself keeps only <c>W</c>. Gradients: <c>∂L/∂paca_w = s·Σ gᵀ·x[..., idx]</c>, and <c>∂L/∂x</c> is
/// <c>g·(s·paca_w − W[:, idx])</c> scattered into the columns <c>idx</c> (zero elsewhere).
/// </summary>
internal sealed class PartialColumnFunction : autograd.SingleTensorFunction<PartialColumnFunction>
{
    private const string ScaleKey = "scale";
    private const string InputShapeKey = "input_shape";
    private const string InputNeedsGradKey = "input_needs_grad";

    public override string Name => nameof(PartialColumnFunction);

    /// <summary>The correction for input <paramref name="input"/> (… × d_in); the result has shape … × d_out.</summary>
    internal static Tensor Apply(Tensor input, Tensor pacaWeight, Tensor baseWeight, Tensor indices, double scale) =>
        apply(input, pacaWeight, baseWeight, indices, scale);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var pacaWeight = (Tensor)vars[1];
        var baseWeight = (Tensor)vars[2];
        var indices = (Tensor)vars[3];
        double scale = (double)vars[4];
        using var noGrad = no_grad();
        var selected = input.index_select(-1, indices);
        var delta = pacaWeight * scale - baseWeight.index_select(1, indices);
        ctx.save_for_backward(new List<Tensor> { selected, delta, indices });
        ctx.save_data(ScaleKey, scale);
        ctx.save_data(InputShapeKey, input.shape);
        ctx.save_data(InputNeedsGradKey, input.requires_grad);
        return selected.matmul(delta.t());
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var (selected, delta, indices) = (saved[0], saved[1], saved[2]);
        double scale = (double)ctx.get_data(ScaleKey);
        long outFeatures = delta.shape[0];
        long rank = delta.shape[1];
        var gradient = grad_output.reshape(-1, outFeatures);
        var gradPaca = gradient.t().matmul(selected.reshape(-1, rank)) * scale;
        Tensor? gradInput = null;
        if ((bool)ctx.get_data(InputNeedsGradKey))
        {
            var shape = (long[])ctx.get_data(InputShapeKey);
            gradInput = zeros(shape, grad_output.dtype, grad_output.device)
                .index_add_(shape.Length - 1, indices, grad_output.matmul(delta), 1.0);
        }

        return new List<Tensor> { gradInput!, gradPaca, null!, null!, null! };
    }
}
