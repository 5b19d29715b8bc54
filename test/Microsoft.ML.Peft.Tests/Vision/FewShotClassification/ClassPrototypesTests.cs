// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.FewShotClassification;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.FewShotClassification;

public sealed class ClassPrototypesTests
{
    [Fact]
    public void Compute_IsTheNormalisedMeanOfEachClassesNormalisedFeatures()
    {
        using var scope = NewDisposeScope();

        // Class 0: (3, 0) and (0, 2) normalise to (1, 0) and (0, 1), whose mean points along (1, 1). Class 1: (0, −5) alone.
        var features = tensor(new float[] { 3, 0, 0, -5, 0, 2 }, 3, 2);

        var prototypes = ClassPrototypes.Compute(features, new long[] { 0, 1, 0 }, classes: 2);

        float h = (float)Math.Sqrt(0.5);
        Assert.True(prototypes.allclose(tensor(new[] { h, h, 0, -1 }, 2, 2), rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void Compute_ClassifiesEachTrainingExampleAsItsOwnClass_WhenClassesAreSeparated()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var centres = randn(3, 8) * 4;
        var labels = Enumerable.Range(0, 12).Select(i => (long)(i % 3)).ToArray();
        var features = centres.index(tensor(labels)) + (randn(12, 8) * 0.1);

        var prototypes = ClassPrototypes.Compute(features, labels, 3);
        var predicted = nn.functional.normalize(features, p: 2, dim: 1).matmul(prototypes.t()).argmax(1).data<long>().ToArray();

        Assert.Equal(labels, predicted);
    }

    [Fact]
    public void Compute_AClassWithoutExamples_IsNamed()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => ClassPrototypes.Compute(ones(2, 3), new long[] { 0, 2 }, classes: 3));
        Assert.Contains("Class 1 has no training example", error.Message);
        Assert.Contains("Label 3 is outside 0 to 2", Assert.Throws<ArgumentException>(() => ClassPrototypes.Compute(ones(1, 3), new long[] { 3 }, 3)).Message);
    }
}
