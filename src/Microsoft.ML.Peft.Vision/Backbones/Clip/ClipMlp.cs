// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>The feed-forward block named as Hugging Face's <c>CLIPMLP</c>: <c>fc2(act(fc1(x)))</c>.</summary>
internal sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "fc1")]
    private readonly Linear _fc1;
    [ComponentName(Name = "fc2")]
    private readonly Linear _fc2;
    private readonly string _activation;

    internal ClipMlp(ClipEncoderConfig config)
        : base(nameof(ClipMlp))
    {
        _fc1 = nn.Linear(config.HiddenSize, config.IntermediateSize);
        _fc2 = nn.Linear(config.IntermediateSize, config.HiddenSize);
        _activation = config.HiddenAct;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor hidden) => _fc2.call(ClipActivation.Apply(_activation, _fc1.call(hidden)));
}
