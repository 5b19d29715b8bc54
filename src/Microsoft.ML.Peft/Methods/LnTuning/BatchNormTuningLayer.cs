// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LnTuning;

/// <summary>
/// LN tuning on a <see cref="BatchNorm2d"/> target (<see cref="NormTuningLayer{TNorm}"/>), the norm of convolutional
/// networks: the copy's affine weight and bias train; its running statistics are the pretrained ones, copied, and stay
/// fixed, because the copy (and, while the adapter is active, the original) always normalises in evaluation mode. A few-shot batch's own statistics would replace what the
/// network learnt on its pretraining data, which is the part this method means to keep.
/// </summary>
internal sealed class BatchNormTuningLayer : NormTuningLayer<BatchNorm2d>
{
    internal BatchNormTuningLayer(string modulePath, BatchNorm2d target)
        : base(nameof(BatchNormTuningLayer), modulePath, target)
    {
    }

    internal override Tensor BaseWeight => BaseNorm.weight!;

    internal override Tensor? BaseBias => BaseNorm.bias;

    protected override BatchNorm2d CreateCopy()
    {
        var copy = nn.BatchNorm2d(BaseNorm.num_features, BaseNorm.eps, BaseNorm.momentum ?? 0.1, affine: true, track_running_stats: true, device: BaseWeight.device, dtype: BaseWeight.dtype);
        copy.weight!.copy_(BaseWeight);
        copy.bias!.copy_(BaseBias!);
        copy.running_mean!.copy_(BaseNorm.running_mean!);
        copy.running_var!.copy_(BaseNorm.running_var!);
        copy.eval();
        return copy;
    }

    protected override Tensor CopyWeight(string adapterName) => Copy(adapterName).weight!;

    protected override Tensor? CopyBias(string adapterName) => Copy(adapterName).bias;

    // The original's output is discarded, but in training mode it would still fold the batch into its running statistics,
    // which unmerge and the disabled adapter rely on; so the original, and the copy, normalise in evaluation mode.
    protected override bool TransformsInput => true;

    protected override Tensor? TransformInput(Tensor input, IReadOnlyList<string> adapters, bool training)
    {
        BaseNorm.eval();
        foreach (string adapter in adapters)
        {
            Copy(adapter).eval();
        }

        return null;
    }
}
