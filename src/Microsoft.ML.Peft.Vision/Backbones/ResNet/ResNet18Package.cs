// Licensed under the MIT license. See LICENSE in the repository root.

using System.Reflection;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>
/// The files of ML.NET's Microsoft.ML.DnnImageFeaturizer.ResNet18 package, which the build copies next to this assembly under
/// the folders ML.NET's own props use (<c>DnnImageModels/ResNet18Onnx</c>, <c>DnnImageModels/ResNetPrepOnnx</c>).
/// </summary>
internal static class ResNet18Package
{
    internal const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18";

    /// <summary>The package version, from the project (<c>ResNet18PackageVersion</c>), so the two cannot drift.</summary>
    internal static string Version { get; } =
        typeof(ResNet18Package).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "ResNet18PackageVersion")?.Value ?? "unknown";

    /// <summary>What a model imported from the package's file is called in messages and saved pipelines.</summary>
    internal static string SourceName => $"{PackageId} {Version} (DnnImageModels/ResNet18Onnx/ResNet18.onnx)";

    /// <summary>The network: the headless ImageNet ResNet-18.</summary>
    internal static string ModelPath => File(Path.Combine("DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));

    /// <summary>The preprocessing graph: channel order and mean image.</summary>
    internal static string PreprocessPath => File(Path.Combine("DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx"));

    private static string File(string relative)
    {
        string directory = Path.GetDirectoryName(typeof(ResNet18Package).Assembly.Location) is { Length: > 0 } location ? location : AppContext.BaseDirectory;
        string path = Path.Combine(directory, relative);
        return System.IO.File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"'{path}' is missing. It comes from the NuGet package {PackageId} {Version}, which Microsoft.ML.Peft.Vision copies to the " +
                $"output when it builds; restore and build again, or open a copy of the file with VisionBackbones.ResNet18(onnxPath).",
                path);
    }
}
