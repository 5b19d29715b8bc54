// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.Backbones.ResNet;

namespace Microsoft.ML.Peft;

/// <summary>
/// Pretrained vision backbones that need no model folder, for <c>mlContext.Peft().ImageClassifier(...)</c>. Models in Hugging
/// Face folders open with <see cref="PretrainedModel.FromDirectory"/>.
/// </summary>
public static class VisionBackbones
{
    /// <summary>
    /// The ImageNet ResNet-18 that ML.NET ships in the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (the model of
    /// <c>DnnFeaturizeImage</c> with <c>ResNet18</c>), imported into torchvision's ResNet layout: 512 features per image from
    /// the global average pool, modules named <c>conv1</c>, <c>layer1.0.conv1</c>, <c>layer2.0.downsample.0</c>, … as in
    /// torchvision, and the package's preprocessing (224 × 224, BGR, minus the ImageNet mean image). The CNTK model has three
    /// basic blocks in its last layer (<c>layer4.2</c>), one more than torchvision's <c>resnet18</c>. The file is restored with
    /// this package and copied next to it when the application builds.
    /// </summary>
    /// <remarks>
    /// The import is done once per process. A saved pipeline records the package instead of the weights and reopens it on
    /// <c>mlContext.Peft().Model.Load</c>, checking that the weights are the same.
    /// </remarks>
    /// <returns>The backbone (model type <c>torchvision-resnet</c>).</returns>
    /// <exception cref="FileNotFoundException">The package's file is not next to the assembly; the message says how to get it.</exception>
    public static PretrainedModel ResNet18() => ResNetOnnxBackbone.Package;

    /// <summary>
    /// A ResNet from an ONNX file laid out as the one in Microsoft.ML.DnnImageFeaturizer.ResNet18 (or any headless export of a
    /// torchvision ResNet of basic blocks, whatever its tensor names), processed as that package's model; see <see cref="ResNet18()"/>.
    /// </summary>
    /// <param name="onnxPath">The <c>.onnx</c> file.</param>
    /// <returns>The backbone; a saved pipeline reopens it from the same path.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The graph is not a ResNet-18 of torchvision's layout; the message names the node that differs.</exception>
    public static PretrainedModel ResNet18(string onnxPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        string path = Path.GetFullPath(onnxPath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The ONNX model '{path}' does not exist.", path);
        }

        return ResNetOnnxBackbone.Import(path, path);
    }
}
