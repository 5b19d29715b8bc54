// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.NativeRuntime;

public sealed class TorchSharpRuntimeTests
{
    [Fact]
    public void TorchSharp_BackwardPass_ComputesAnalyticGradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1f, -2f, 3f }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();

        // d/dx sum(x^2) = 2x
        Assert.Equal(new float[] { 2f, -4f, 6f }, x.grad!.data<float>().ToArray());
    }
}
