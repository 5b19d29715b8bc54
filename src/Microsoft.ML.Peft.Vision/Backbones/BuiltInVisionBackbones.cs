// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Vision.Backbones.Clip;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.Backbones.ResNet;
using Microsoft.ML.Peft.Vision.Backbones.Vit;

namespace Microsoft.ML.Peft.Vision.Backbones;

/// <summary>The backbones this assembly builds, one line per architecture, registered with the core's registry when the assembly loads.</summary>
internal static class BuiltInVisionBackbones
{
    /// <summary>The vision architectures.</summary>
    internal static IReadOnlyList<VisionArchitecture> Architectures { get; } = new VisionArchitecture[]
    {
        ResNetArchitecture.Instance,
        ViTArchitecture.Instance,
        ClipArchitecture.Instance,
    };

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "Registering the built-in backbones when the assembly loads is what lets PretrainedModel.FromDirectory and saved pipelines find them without a call from the application; the registration only fills a table.")]
    internal static void Register()
    {
        foreach (var architecture in Architectures)
        {
            BackboneRegistry.Register(architecture);
        }
    }
}
