// Licensed under the MIT license. See LICENSE in the repository root.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Peft.Torch;

/// <summary>
/// Caps oneDNN, which runs libtorch's CPU convolutions, at AVX2 on Linux x64 processors with AVX-512, unless the process
/// already sets <c>DNNL_MAX_CPU_ISA</c>.
/// </summary>
/// <remarks>
/// With TorchSharp 0.107's libtorch on an AVX-512 (BF16) processor, oneDNN's backward pass of a convolution that trains
/// both its input and its weight now and then returns NaN in the input's gradient: a LoRA adapter on a ResNet's
/// convolutions then gets NaN gradients in its first step, while the same step under <c>DNNL_MAX_CPU_ISA=AVX2</c> is
/// finite and its loss falls. Measured on that processor, a ResNet-18 training step is not slower under AVX2 (0.73 s
/// against 0.84 s for full fine-tuning at batch 8). oneDNN reads the variable when it first dispatches a primitive, so it is
/// set when this assembly loads, before any convolution this library runs; an application that runs a convolution of its
/// own first keeps oneDNN's own choice, and one that sets the variable keeps its value.
/// </remarks>
internal static class OneDnnInstructionSet
{
    internal const string VariableName = "DNNL_MAX_CPU_ISA";

    internal const string Cap = "AVX2";

#pragma warning disable CA2255 // The cap must be in the native environment before libtorch dispatches its first convolution.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void CapOnAvx512()
    {
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && Avx512F.IsSupported
            && Environment.GetEnvironmentVariable(VariableName) is null)
        {
            // Environment.SetEnvironmentVariable changes only .NET's copy of the environment; oneDNN calls getenv.
            _ = SetEnvironment(VariableName, Cap, overwrite: 0);
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnvironment([MarshalAs(UnmanagedType.LPStr)] string name, [MarshalAs(UnmanagedType.LPStr)] string value, int overwrite);
}
