// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LnTuning;

/// <summary>LN tuning on a <see cref="LayerNorm"/> target (<see cref="NormTuningLayer{TNorm}"/>).</summary>
internal sealed class LayerNormTuningLayer : NormTuningLayer<LayerNorm>
{
    internal LayerNormTuningLayer(string modulePath, LayerNorm target)
        : base(nameof(LayerNormTuningLayer), modulePath, target)
    {
    }

    internal override Tensor BaseWeight => BaseNorm.weight;

    internal override Tensor? BaseBias => BaseNorm.bias;

    protected override LayerNorm CreateCopy()
    {
        var copy = nn.LayerNorm(
            BaseNorm.normalized_shape, BaseNorm.eps, elementwise_affine: true, bias: BaseNorm.bias is not null, device: BaseWeight.device, dtype: BaseWeight.dtype);
        copy.weight.copy_(BaseWeight);
        copy.bias?.copy_(BaseBias!);
        return copy;
    }

    protected override Tensor CopyWeight(string adapterName) => Copy(adapterName).weight;

    protected override Tensor? CopyBias(string adapterName) => Copy(adapterName).bias;
}
