// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lycoris;

/// <summary>LoKr and LoHa on a <see cref="Linear"/> target: ΔW is d_out×d_in and adds <c>x·ΔWᵀ</c>.</summary>
internal abstract class LycorisLinear : LycorisLayer
{
    private readonly Linear _baseLinear;

    protected LycorisLinear(string name, string modulePath, Linear target)
        : base(name, modulePath, target)
    {
        _baseLinear = target;
    }

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    protected long InFeatures => _baseLinear.in_features;

    protected long OutFeatures => _baseLinear.out_features;

    protected override Tensor ApplyWeight(Tensor input, Tensor delta) => nn.functional.linear(input, delta);
}
