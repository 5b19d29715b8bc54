// Licensed under the MIT license. See LICENSE in the repository root.

using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Peft.Torch;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Torch;

public sealed class OneDnnInstructionSetTests
{
    [Fact]
    public void LibraryLoaded_OnLinuxX64WithAvx512_CapsOneDnnAtAvx2InTheNativeEnvironment()
    {
        OneDnnInstructionSet.CapOnAvx512();
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string? native = Marshal.PtrToStringAnsi(GetEnvironment(OneDnnInstructionSet.VariableName));
        if (RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 && Avx512F.IsSupported)
        {
            // The process's own value wins; without one, the cap is what oneDNN's getenv sees.
            Assert.Equal(Environment.GetEnvironmentVariable(OneDnnInstructionSet.VariableName) ?? OneDnnInstructionSet.Cap, native);
        }
        else
        {
            Assert.Equal(Environment.GetEnvironmentVariable(OneDnnInstructionSet.VariableName), native);
        }
    }

    [Fact]
    public void ConvolutionTrainingInputAndWeight_RepeatedWithThinOutputs_GradientsStayFinite()
    {
        // The shape of a LoRA lora_A on a ResNet block (64 channels to rank 8, 3 × 3) and its 1 × 1 lora_B, with memory
        // reused between repetitions as in training, where oneDNN's AVX-512 kernels returned NaN input gradients.
        using var generator = new TorchSharp.torch.Generator(3);
        for (int repetition = 0; repetition < 20; repetition++)
        {
            using var scope = NewDisposeScope();
            var input = randn(new long[] { 4, 64, 28, 28 }, generator: generator).requires_grad_();
            var a = (randn(new long[] { 8, 64, 3, 3 }, generator: generator) * 0.05).requires_grad_();
            var b = zeros(64, 8, 1, 1).requires_grad_();
            var output = nn.functional.conv2d(nn.functional.conv2d(input, a, padding: new long[] { 1, 1 }), b);
            output.backward(new[] { randn(output.shape, generator: generator) });

            Assert.True(isfinite(input.grad!).all().item<bool>(), $"input gradient not finite at repetition {repetition}");
            Assert.True(isfinite(a.grad!).all().item<bool>(), $"lora_A gradient not finite at repetition {repetition}");
        }
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnvironment([MarshalAs(UnmanagedType.LPStr)] string name);
}
