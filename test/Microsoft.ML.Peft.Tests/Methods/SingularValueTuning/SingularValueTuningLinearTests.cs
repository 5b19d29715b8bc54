// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Methods.SingularValueTuning;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.SingularValueTuning;

/// <summary>Singular-value tuning against a hand-computed SVD, and the sign argument that lets it save only Δs.</summary>
public sealed class SingularValueTuningLinearTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-svd-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void SingularValueTuningLinear_Forward_EqualsBasePlusUDiagDeltaSVt()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var (layer, linear) = CreateLinear(12, 9, rankRatio: 1.0);
        var deltaS = layer.DeltaS("default");
        Assert.Equal(8, deltaS.shape[0]);
        using (no_grad())
        {
            deltaS.copy_(randn(8));
        }

        var (u, _, vh) = linalg.svd(linear.weight.detach(), fullMatrices: false);
        var expectedDelta = u.narrow(1, 0, 8).matmul(diag(deltaS.detach())).matmul(vh.narrow(0, 0, 8));
        var x = randn(4, 12);
        var expected = x.matmul((linear.weight + expectedDelta).t()) + linear.bias!;

        ModelState.AssertClose(expectedDelta, layer.GetDeltaWeight("default"), 1e-5, "ΔW = U_k·diag(Δs)·V_kᵀ");
        ModelState.AssertClose(expected, linear.call(x), 1e-5, "forward");
    }

    [Fact]
    public void SingularValueTuningLinear_AtInit_OutputIsExactlyTheBaseOutput()
    {
        using var scope = NewDisposeScope();
        var (_, linear) = CreateLinear(12, 9, rankRatio: 1.0);
        var x = randn(4, 12);
        var expected = nn.functional.linear(x, linear.weight, linear.bias);
        Assert.Equal(0.0, ModelState.MaxAbsDifference(expected, linear.call(x)));
    }

    [Fact]
    public void DeltaWeight_JointSignFlipsOfSingularVectors_LeaveTheUpdateUnchanged()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var weight = randn(10, 7);
        var deltaS = randn(7);
        var (u, _, vh) = linalg.svd(weight, fullMatrices: false);
        var flips = tensor(new float[] { 1, -1, -1, 1, -1, 1, -1 });

        var original = u.matmul(diag(deltaS)).matmul(vh);
        var flipped = (u * flips).matmul(diag(deltaS)).matmul(vh * flips.unsqueeze(1));

        // The SVD of Wᵀ is another valid decomposition whose signs LAPACK picks independently.
        var (ut, _, vht) = linalg.svd(weight.t(), fullMatrices: false);
        var viaTranspose = vht.t().matmul(diag(deltaS)).matmul(ut.t());

        ModelState.AssertClose(original, flipped, 1e-6, "joint sign flip");
        ModelState.AssertClose(original, viaTranspose, 1e-5, "decomposition of the transpose");
    }

    [Fact]
    public void DeltaWeight_BertSizedWeight_RecomputedThroughAnotherSvdPath_AgreesWithinTolerance()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var weight = randn(768, 768) * 0.05;
        var deltaS = randn(768) * 0.01;
        var (u, _, vh) = linalg.svd(weight, fullMatrices: false);
        var (ut, _, vht) = linalg.svd(weight.t().contiguous(), fullMatrices: false);

        var first = (u * deltaS).matmul(vh);
        var second = (vht.t() * deltaS).matmul(ut.t());
        double relative = ModelState.MaxAbsDifference(first, second) / first.abs().max().item<float>();

        // The documented tolerance across SVD implementations (measured 1.9e-4): all 768 directions, including the closely
        // spaced smallest ones, whose vectors are the least well determined. The same implementation repeats bit for bit.
        Assert.True(relative < 1e-3, $"relative difference {relative:G3}");
    }

    [Theory]
    [InlineData(768, 1.0, 768)]
    [InlineData(10, 1.0, 8)]
    [InlineData(20, 0.5, 8)]
    [InlineData(768, 0.3, 228)]
    [InlineData(3, 1.0, 3)]
    [InlineData(10, 0.05, 1)]
    public void TrainedRank_RoundsDownToAMultipleOfFour(long fullRank, double ratio, int expected) =>
        Assert.Equal(expected, SingularValueTuningConfig.TrainedRank(fullRank, ratio));

    [Fact]
    public void SaveAdapter_TinyMlp_SavesOnlyDeltaSUnderSvdKeys()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, new SingularValueTuningConfig { TargetModules = ModuleSelector.FromNames("lin0", "lin1") });

        // lin0 is 20×10 (k = 10 → 8), lin1 is 20×20 (k = 20).
        Assert.Equal(8 + 20, peft.GetTrainableParameterReport().TrainableParameters);
        peft.SaveAdapter(_directory);

        var tensors = SafeTensorsFile.Read(Path.Combine(_directory, PeftModel.AdapterWeightsFileName));
        Assert.Equal(new[] { "base_model.model.lin0.svd_delta_s", "base_model.model.lin1.svd_delta_s" }, tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 8 }, tensors["base_model.model.lin0.svd_delta_s"].shape);
        Assert.Equal(new long[] { 20 }, tensors["base_model.model.lin1.svd_delta_s"].shape);
        string json = File.ReadAllText(Path.Combine(_directory, PeftModel.AdapterConfigFileName));
        Assert.Contains("\"peft_type\": \"SINGULAR_VALUE_TUNING\"", json, StringComparison.Ordinal);
        Assert.Contains("\"rank_ratio\": 1.0", json, StringComparison.Ordinal);
    }

    private static (SingularValueTuningLinear Layer, Linear Linear) CreateLinear(int inFeatures, int outFeatures, double rankRatio)
    {
        var linear = nn.Linear(inFeatures, outFeatures);
        var layer = new SingularValueTuningLinear("lin", linear);
        layer.AddAdapter("default", rankRatio);
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        return (layer, linear);
    }
}
