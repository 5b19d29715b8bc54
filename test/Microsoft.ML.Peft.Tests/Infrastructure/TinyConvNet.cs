// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// The tiny convolutional net of the PEFT interop fixture (vision/tiny-convnet): conv1 = Conv2d(3, 8, 3, padding 1), ReLU,
/// conv2 = Conv2d(8, 8, 3, stride 2), ReLU, mean over H and W, head = Linear(8, 4). Built without TorchSharp's leaked
/// Conv2d temporary, so the matrix's leak check holds.
/// </summary>
internal sealed class TinyConvNet : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "conv1")]
    private readonly Conv2d _conv1;
    [ComponentName(Name = "conv2")]
    private readonly Conv2d _conv2 = ScopedModules.Conv2d(8, 8, 3, stride: 2);
    [ComponentName(Name = "head")]
    private readonly Linear _head = nn.Linear(8, 4);

    /// <param name="conv1Kernel">conv1's kernel size (padding keeps H and W); 3 as in the fixture, another size to test mismatches.</param>
    internal TinyConvNet(int conv1Kernel = 3)
        : base(nameof(TinyConvNet))
    {
        _conv1 = ScopedModules.Conv2d(3, 8, conv1Kernel, padding: conv1Kernel / 2);
        RegisterComponents();
    }

    internal static Tensor Input(int batch = 2) => randn(batch, 3, 8, 8);

    public override Tensor forward(Tensor input)
    {
        var hidden = nn.functional.relu(_conv1.call(input));
        hidden = nn.functional.relu(_conv2.call(hidden));
        return _head.call(hidden.mean(new long[] { 2, 3 }));
    }
}
