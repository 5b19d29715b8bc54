// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Torch;

/// <summary>
/// Builds TorchSharp modules whose constructors leave temporaries behind. TorchSharp 0.107's <c>nn.Conv2d</c> leaves one tensor
/// alive per construction (a temporary of its weight initialisation that no scope owns), so every model with convolutions
/// would leak a tensor each time it is built. Building inside a dispose scope frees the temporary; the module's parameters
/// and buffers are detached from the scope first, so they live as long as the module.
/// </summary>
internal static class ScopedModules
{
    /// <summary>The module <paramref name="create"/> builds, with the temporaries of its construction disposed.</summary>
    internal static T Create<T>(Func<T> create)
        where T : nn.Module
    {
        using var scope = NewDisposeScope();
        var module = create();
        scope.Detach(module.parameters());
        scope.Detach(module.buffers());
        return module;
    }

    /// <summary><c>nn.Conv2d</c> without the leaked temporary; arguments as TorchSharp's.</summary>
    internal static TorchSharp.Modules.Conv2d Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true) =>
        Create(() => nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, dilation: dilation, groups: groups, bias: bias));
}
