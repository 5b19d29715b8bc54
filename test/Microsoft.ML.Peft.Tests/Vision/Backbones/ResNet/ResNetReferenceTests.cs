// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.Backbones.ResNet;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.ResNet;

public sealed class ResNetReferenceTests
{
    [Fact]
    public void Resolve_PackageSourceWithoutFolder_ReopensThePackage()
    {
        var reference = BackboneReference.Of(VisionBackbones.ResNet18());

        Assert.Null(reference.Directory);
        Assert.Same(VisionBackbones.ResNet18(), reference.Resolve(Array.Empty<PretrainedModel>()));
    }

    [Fact]
    public void Resolve_PackageSourceWithOtherWeights_IsRefusedNamingBothFingerprints()
    {
        var reference = BackboneReference.Of(VisionBackbones.ResNet18()) with { Fingerprint = new string('0', 64) };

        var error = Assert.Throws<InvalidOperationException>(() => reference.Resolve(Array.Empty<PretrainedModel>()));

        Assert.Contains("000000000000", error.Message);
        Assert.Contains("Pass the same pretrained model", error.Message);
    }

    [Fact]
    public void Resolve_OnnxFileThatIsGone_AsksForTheBackbone()
    {
        var reference = new BackboneReference(ResNetArchitecture.Type, Path.Combine(Path.GetTempPath(), "gone-" + Guid.NewGuid().ToString("N") + ".onnx"), null, new string('0', 64));

        var error = Assert.Throws<InvalidOperationException>(() => reference.Resolve(Array.Empty<PretrainedModel>()));

        Assert.Contains("Pass it to Load", error.Message);
    }

    [Fact]
    public void ResNet18_FromTheFilePath_HasThePackagesFingerprintAndRecordsThePath()
    {
        var fromPath = VisionBackbones.ResNet18(ResNet18Package.ModelPath);

        Assert.Equal(Path.GetFullPath(ResNet18Package.ModelPath), fromPath.Source);
        Assert.Equal(VisionBackbones.ResNet18().GetFingerprint(), fromPath.GetFingerprint());
        Assert.Equal(fromPath.GetFingerprint(), BackboneReference.Of(fromPath).Resolve(Array.Empty<PretrainedModel>()).GetFingerprint());
    }

    [Fact]
    public void ResNet18_MissingFile_IsRefusedNamingIt()
    {
        string path = Path.Combine(Path.GetTempPath(), "missing-resnet.onnx");

        var error = Assert.Throws<FileNotFoundException>(() => VisionBackbones.ResNet18(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ProcessorConfig_MeanImageOfAnotherSize_IsRefused()
    {
        var config = ResNetArchitecture.Instance.DefaultProcessorConfig with { MeanImage = new float[3 * 10 * 10] };

        var error = Assert.Throws<FormatException>(config.Validate);

        Assert.Contains("3 × 224 × 224", error.Message);
    }
}
