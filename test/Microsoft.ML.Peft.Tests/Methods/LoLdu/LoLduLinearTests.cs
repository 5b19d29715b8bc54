// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Methods.LoLdu;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.LoLdu;

/// <summary>LoLDU against the LU decomposition written out with a dense permutation matrix.</summary>
public sealed class LoLduLinearTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-loldu-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void LoLduDecomposition_FullRank_ReconstructsTheWeight()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var weight = randn(9, 6);
        var factors = LoLduDecomposition.Factor(weight, 6);

        ModelState.AssertClose(weight, factors.Product(factors.Pivots, 1.0, ScalarType.Float32), 1e-5, "P·L·diag(D)·U₁");
        ModelState.AssertClose(ones(6), factors.Upper.diagonal(), 1e-6, "U₁ has a unit diagonal");
        Assert.Equal(new long[] { 9 }, factors.Permutation.shape);
        Assert.Equal(ScalarType.Int64, factors.Permutation.dtype);
    }

    [Fact]
    public void LoLduLinear_Forward_EqualsResidualPlusScaledPermutedLduProduct()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var linear = nn.Linear(6, 8);
        var original = linear.weight.detach().clone();
        var layer = Attach(linear, rank: 3, scaling: 0.5, LoLduInitialization.Lu);

        // By hand: the dense P of torch.linalg.lu, L[:, :3], D[:3], U[:3] / D[:3].
        var (p, l, u) = linalg.lu(original);
        var d = u.diagonal().narrow(0, 0, 3);
        var lr = l.narrow(1, 0, 3);
        var ur = u.narrow(0, 0, 3) / d.unsqueeze(1);
        var residual = original - 0.5 * p.matmul(lr).matmul(diag(d)).matmul(ur);
        ModelState.AssertClose(residual, linear.weight, 1e-5, "W_res written into the base");
        ModelState.AssertClose(d, layer.Diagonal("default"), 1e-6, "z = D[:r]");

        var z = randn(3);
        using (no_grad())
        {
            layer.Diagonal("default").copy_(z);
        }

        var expectedWeight = residual + 0.5 * p.matmul(lr).matmul(diag(z)).matmul(ur);
        var x = randn(5, 6);
        ModelState.AssertClose(x.matmul(expectedWeight.t()) + linear.bias!, linear.call(x), 1e-5, "forward");
        ModelState.AssertClose(expectedWeight - residual, layer.GetDeltaWeight("default"), 1e-5, "ΔW");
    }

    [Fact]
    public void LoLduLinear_RankDeficientWeight_GuardsTinyPivotsAndStaysANoOp()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var linear = nn.Linear(5, 6);
        using (no_grad())
        {
            // Rank 1: every pivot after the first is (numerically) zero.
            linear.weight.copy_(randn(6, 1).matmul(randn(1, 5)));
        }

        var x = randn(4, 5);
        var before = linear.call(x).detach().clone();
        var layer = Attach(linear, rank: 4, scaling: 0.25, LoLduInitialization.Lu);

        Assert.True(layer.Factors("default").Upper.isfinite().all().item<bool>(), "U_r must stay finite");
        ModelState.AssertClose(before, linear.call(x), 1e-5, "output at init");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(768)]
    public void LoLduLinear_BertSizedWeight_AtInit_ChangesTheOutputByLessThan1e5Relative(int rank)
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        var linear = nn.Linear(768, 768);
        var x = randn(8, 768);
        var before = linear.call(x).detach().clone();
        Attach(linear, rank, 1.0 / rank, LoLduInitialization.Lu);

        double relative = ModelState.MaxAbsDifference(before, linear.call(x)) / before.abs().max().item<float>();
        Assert.True(relative < 1e-5, $"relative change at init {relative:G3}");
    }

    [Fact]
    public void LoLduLinear_ZerosInit_LeavesTheBaseWeightAsItWas()
    {
        using var scope = NewDisposeScope();
        var linear = nn.Linear(6, 8);
        var original = linear.weight.detach().clone();
        Attach(linear, rank: 3, scaling: 1.0 / 3, LoLduInitialization.Zeros);
        Assert.Equal(0.0, ModelState.MaxAbsDifference(original, linear.weight));
    }

    [Fact]
    public void LoLduLinear_RankAboveMinDimension_IsRefusedNamingRank()
    {
        using var scope = NewDisposeScope();
        var layer = new LoLduLinear("lin", nn.Linear(4, 8));
        var ex = Assert.Throws<InvalidOperationException>(() => layer.AddAdapter("default", 5, 0.2, LoLduInitialization.Lu));
        Assert.Contains("`Rank` = 5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lin'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaveAdapter_TinyMlp_SavesOnlyTheDiagonalUnderLolduKeys()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, new LoLduConfig { Rank = 4, TargetModules = ModuleSelector.FromNames("lin0", "lin1") });

        Assert.Equal(2 * 4, peft.GetTrainableParameterReport().TrainableParameters);
        peft.SaveAdapter(_directory);

        var tensors = SafeTensorsFile.Read(Path.Combine(_directory, PeftModel.AdapterWeightsFileName));
        Assert.Equal(new[] { "base_model.model.lin0.loldu_diag", "base_model.model.lin1.loldu_diag" }, tensors.Keys.Order(StringComparer.Ordinal));
        Assert.All(tensors.Values, t => Assert.Equal(new long[] { 4 }, t.shape));
        string json = File.ReadAllText(Path.Combine(_directory, PeftModel.AdapterConfigFileName));
        Assert.Contains("\"peft_type\": \"LOLDU\"", json, StringComparison.Ordinal);
        Assert.Contains("\"init_method\": \"lu\"", json, StringComparison.Ordinal);
    }

    private static LoLduLinear Attach(Linear linear, int rank, double scaling, LoLduInitialization initialization)
    {
        var layer = new LoLduLinear("lin", linear);
        layer.AddAdapter("default", rank, scaling, initialization);
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        return layer;
    }
}
