// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.RandLora;

/// <summary>RandLoRA against PEFT's formulas written out element by element, and its model-level shared bases.</summary>
public sealed class RandLoraTests : IDisposable
{
    private const string BasisA = "base_model.randlora_A";
    private const string BasisB = "base_model.randlora_B";
    private const int Rank = 4;
    private const double Alpha = 8;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-randlora-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Forward_AndMerge_EqualTheSumOverPeftsPairingOfScaledBases()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new UpDownModel();
        using var peft = PeftModel.Create(model, Config());
        var state = RandomizeScalings(peft);

        // Bases for the largest targeted shape (14 × 14): min = max = 14, N = ⌈14/4⌉ = 4.
        Assert.Equal(new long[] { Rank, 1, 14 }, state[BasisA].shape);
        Assert.Equal(new long[] { 14, 4, Rank }, state[BasisB].shape);
        Assert.Equal(new long[] { Rank, 2 }, state["base_model.model.up.randlora_lambda"].shape);
        Assert.Equal(new long[] { 2, UpDownModel.Narrow }, state["base_model.model.up.randlora_gamma"].shape);

        var deltaUp = HandDelta(state, "up", UpDownModel.Wide, UpDownModel.Narrow);
        var deltaDown = HandDelta(state, "down", UpDownModel.Narrow, UpDownModel.Wide);
        var x = UpDownModel.Input();
        var expected = model.Reference(x, deltaUp, deltaDown);

        model.eval();
        ModelState.AssertClose(expected, model.call(x), 1e-4, "RandLoRA forward");

        var downBefore = model.Down.weight.detach().clone();
        peft.MergeAdapter();
        ModelState.AssertClose(downBefore + deltaDown, model.Down.weight, 1e-5, "merged down weight = W + ΔW");
        ModelState.AssertClose(expected, model.call(x), 1e-4, "merged forward");
    }

    [Fact]
    public void DenseBases_AreDrawnAsPyTorchDrawsThemInBFloat16AndStdNormalized()
    {
        using var scope = NewDisposeScope();
        var (a, b) = Bases(new RandLoraConfig { Rank = Rank, TargetModules = ModuleSelector.FromNames("lin0") });

        // PyTorch 1.13: g = torch.Generator("cpu").manual_seed(0); kaiming bound(fan) with a = √5;
        // A = torch.empty((4, 1, 10), dtype=bfloat16).uniform_(-bound(10), bound(10), generator=g)
        // B = torch.cat([torch.empty((20, 1, 4), dtype=bfloat16).uniform_(-bound(4), bound(4), generator=g) for _ in range(3)], dim=1)
        // A, B = A / A.std(), B / B.std()
        Assert.Equal(new long[] { 4, 1, 10 }, a.shape);
        Assert.Equal(new long[] { 20, 3, 4 }, b.shape);
        Assert.Equal(new[] { 0.58203125f, -1.0703125f, -0.1455078125f, 0.84765625f }, a[0, 0, ..4].data<float>().ToArray());
        Assert.Equal(new[] { -0.6484375f, -0.408203125f, 1.2421875f, 0.69140625f }, b[0, 0, ..].data<float>().ToArray());
        Assert.Equal(1.15625f, b[19, 2, 3].item<float>());
        Assert.Equal(0.7236328125, a.sum().item<float>(), 4);
        Assert.Equal(-29.32635498046875, b.sum().item<float>(), 3);
    }

    [Fact]
    public void SparseBases_AreTernaryDrawsOfPyTorchsGenerator()
    {
        using var scope = NewDisposeScope();
        var (a, b) = Bases(new RandLoraConfig { Rank = Rank, ProjectionPrngKey = 7, Sparse = true, TargetModules = ModuleSelector.FromNames("lin0") });

        // PyTorch 1.13: g = torch.Generator("cpu").manual_seed(7); A = torch.rand((4, 1, 10), generator=g); B = torch.rand((20, 3, 4), generator=g);
        // each mapped to -1 below 1/6, +1 above 5/6, else 0, then divided by its std.
        Assert.Equal(new[] { 0f, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0 }, a.sign().flatten()[..12].data<float>().ToArray());
        Assert.Equal(new[] { 0f, 0, 0, 1, 1, 0, 0, 0, 0, -1, -1, 1 }, b.sign().flatten()[..12].data<float>().ToArray());
        Assert.Equal(1 / 0.49613893032073975, a.abs().max().item<float>(), 4);
        Assert.Equal(8.062257766723633, a.sum().item<float>(), 4);
        Assert.Equal(-11.260956764221191, b.sum().item<float>(), 4);
    }

    [Fact]
    public void VerySparseBases_AreNonZeroWithProbabilityOneOverSqrtOfTheSmallestDimension()
    {
        using var scope = NewDisposeScope();
        var (a, b) = Bases(new RandLoraConfig { Rank = Rank, ProjectionPrngKey = 7, Sparse = true, VerySparse = true, TargetModules = ModuleSelector.FromNames("lin0") });

        // The same PyTorch draws as above with thresholds 1/(2·√10) and 1 − 1/(2·√10).
        Assert.Equal(10, a.count_nonzero().item<long>());
        Assert.Equal(65, b.count_nonzero().item<long>());
        Assert.Equal(-5.754250526428223, b.sum().item<float>(), 4);
    }

    [Fact]
    public void TrainableParameters_Square768Rank32_Are768Plus18432()
    {
        using var scope = NewDisposeScope();
        using var model = new BertBaseAttentionShapes();
        using var peft = PeftModel.Create(model, new RandLoraConfig { TargetModules = ModuleSelector.FromRegex(@"layer\.0\.attention\.self\.query") });

        // N = 768 / 32 = 24 bases: λ is 32 × 24 = 768 and γ is 24 × 768 = 18,432.
        Assert.Equal(768 + 18_432, peft.GetTrainableParameterReport().TrainableParameters);
        var state = peft.GetAdapterStateDict("default");
        Assert.Equal(new long[] { 32, 1, 768 }, state[BasisA].shape);
        Assert.Equal(new long[] { 768, 24, 32 }, state[BasisB].shape);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SaveThenLoad_OnFreshBase_GivesTheSameOutput_WithTheBasesSavedOnceOrRedrawn(bool saveProjection)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new UpDownModel();
        var original = ModelState.Snapshot(model);
        var x = UpDownModel.Input();
        using var peft = PeftModel.Create(model, Config(c => { c.SaveProjection = saveProjection; c.ProjectionPrngKey = 3; c.Sparse = true; }));
        RandomizeScalings(peft);
        model.eval();
        var expected = model.call(x);

        peft.SaveAdapter(_directory);
        var keys = AdapterFiles.Weights(_directory).Keys.Order(StringComparer.Ordinal).ToList();
        var scalings = new[]
        {
            "base_model.model.down.randlora_gamma", "base_model.model.down.randlora_lambda",
            "base_model.model.up.randlora_gamma", "base_model.model.up.randlora_lambda",
        };

        // As PEFT 0.21 writes them: the bases under base_model. and under each layer that refers to them.
        var bases = new[] { "base_model.model.down.randlora_A", "base_model.model.down.randlora_B", "base_model.model.up.randlora_A", "base_model.model.up.randlora_B", BasisA, BasisB };
        Assert.Equal(saveProjection ? scalings.Concat(bases).Order(StringComparer.Ordinal) : scalings, keys);

        using var fresh = new UpDownModel();
        ModelState.Restore(fresh, original);
        manual_seed(99);
        using var loaded = PeftModel.FromPretrained(fresh, _directory);
        fresh.eval();
        ModelState.AssertClose(expected, fresh.call(x), 1e-6, "output after reload");
        ModelState.Dispose(original);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_BasesOnlyUnderBaseModelOrOnlyPerLayer_GivesTheSameOutput(bool perLayerOnly)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new UpDownModel();
        var original = ModelState.Snapshot(model);
        var x = UpDownModel.Input();
        using var peft = PeftModel.Create(model, Config(c => c.ProjectionPrngKey = 3));
        RandomizeScalings(peft);
        model.eval();
        var expected = model.call(x);
        peft.SaveAdapter(_directory);

        // The layout this library wrote before it wrote PEFT's per-layer keys, or a file with the per-layer keys alone.
        var tensors = AdapterFiles.Weights(_directory);
        var dropped = perLayerOnly ? new[] { BasisA, BasisB } : tensors.Keys.Where(k => k.StartsWith("base_model.model.", StringComparison.Ordinal) && (k.EndsWith("randlora_A", StringComparison.Ordinal) || k.EndsWith("randlora_B", StringComparison.Ordinal))).ToArray();
        Assert.Equal(perLayerOnly ? 2 : 4, dropped.Length);
        foreach (string key in dropped)
        {
            tensors.Remove(key);
        }

        AdapterFiles.ReplaceWeights(_directory, tensors);
        using var fresh = new UpDownModel();
        ModelState.Restore(fresh, original);
        manual_seed(99);
        using var loaded = PeftModel.FromPretrained(fresh, _directory);
        fresh.eval();
        ModelState.AssertClose(expected, fresh.call(x), 1e-6, "output after reload");
        ModelState.Dispose(original);
    }

    [Fact]
    public void Load_PerLayerBasisThatDiffersFromTheSharedOne_IsRefusedNamingBothKeys()
    {
        using var scope = NewDisposeScope();
        var ex = AdapterFiles.LoadEdited(_directory, Config(), tensors => tensors["base_model.model.up.randlora_A"] = tensors["base_model.model.up.randlora_A"] + 1);
        Assert.Contains("base_model.model.up.randlora_A", ex.Message, StringComparison.Ordinal);
        Assert.Contains("one shared tensor", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BasisOfAnotherShape_IsRefusedNamingTheKey()
    {
        using var scope = NewDisposeScope();
        var ex = AdapterFiles.LoadEdited(_directory, Config(), tensors => tensors[BasisB] = zeros(14, 5, Rank));
        Assert.Contains(BasisB, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecondAdapter_OtherPrngKey_IsRefused()
    {
        using var scope = NewDisposeScope();
        using var model = new UpDownModel();
        using var peft = PeftModel.Create(model, Config());

        var ex = Assert.Throws<ArgumentException>(() => peft.AddAdapter("other", Config(c => c.ProjectionPrngKey = 1)));
        Assert.Contains("ProjectionPrngKey", ex.Message, StringComparison.Ordinal);
        peft.AddAdapter("same", Config(c => c.Rank = 2));
        Assert.Equal(new long[] { 2, 1, 14 }, peft.GetAdapterStateDict("same")[BasisA].shape);
    }

    [Theory]
    [InlineData("fan_in_fan_out", "true")]
    [InlineData("bias", "\"randlora_only\"")]
    public void Load_UnsupportedOption_IsRefusedNamingTheField(string field, string value)
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(
            Path.Combine(_directory, PeftModel.AdapterConfigFileName),
            $$"""{"peft_type": "RANDLORA", "r": 4, "target_modules": ["up"], "{{field}}": {{value}}}""");
        using var model = new UpDownModel();

        var ex = Assert.Throws<NotSupportedException>(() => PeftModel.FromPretrained(model, _directory));
        Assert.Contains($"`{field}`", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// ΔW[o, c] = s·Σ_m Q[o, m]·P[m, c] with UA[m, j] = λ[m / N, m % N]·A[m / N, 0, j]·γ[m % N, j] (row i·N + n) and
    /// UB[k, m] = B[k, m / r, m % r] (column n·r + i); P = UA, Q = UB when min = d_in, else P = UBᵀ, Q = UAᵀ.
    /// </summary>
    private static Tensor HandDelta(Dictionary<string, Tensor> state, string layer, int dOut, int dIn)
    {
        var a = state[BasisA];
        var b = state[BasisB];
        var lambda = state[$"base_model.model.{layer}.randlora_lambda"];
        var gamma = state[$"base_model.model.{layer}.randlora_gamma"];
        int n = (int)lambda.shape[1];
        double s = Alpha / Rank;
        float Ua(int m, int j) => lambda[m / n, m % n].item<float>() * a[m / n, 0, j].item<float>() * gamma[m % n, j].item<float>();
        float Ub(int k, int m) => b[k, m / Rank, m % Rank].item<float>();
        bool minIsIn = dIn <= dOut;
        var delta = new float[dOut * dIn];
        for (int o = 0; o < dOut; o++)
        {
            for (int c = 0; c < dIn; c++)
            {
                double sum = 0;
                for (int m = 0; m < Rank * n; m++)
                {
                    sum += minIsIn ? Ub(o, m) * Ua(m, c) : Ua(m, o) * Ub(c, m);
                }

                delta[(o * dIn) + c] = (float)(s * sum);
            }
        }

        return tensor(delta).reshape(dOut, dIn);
    }

    private static (Tensor A, Tensor B) Bases(RandLoraConfig config)
    {
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, config);
        var state = peft.GetAdapterStateDict("default");
        return (state[BasisA].clone(), state[BasisB].clone());
    }

    private static RandLoraConfig Config(Action<RandLoraConfig>? configure = null)
    {
        var config = new RandLoraConfig { Rank = Rank, Alpha = Alpha, TargetModules = ModuleSelector.FromNames("up", "down") };
        configure?.Invoke(config);
        return config;
    }

    private static Dictionary<string, Tensor> RandomizeScalings(PeftModel peft)
    {
        var state = peft.GetAdapterStateDict("default");
        using var noGrad = no_grad();
        foreach (var (key, tensor) in state.Where(p => p.Key.Contains("lambda", StringComparison.Ordinal) || p.Key.Contains("gamma", StringComparison.Ordinal)))
        {
            tensor.copy_(randn(tensor.shape) * 0.3);
        }

        return state;
    }
}
