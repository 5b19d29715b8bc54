// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.Vera;

/// <summary>VeRA against PEFT's formulas written out by hand, and its model-level shared projections.</summary>
public sealed class VeraTests : IDisposable
{
    private const string ProjectionA = "base_model.vera_A";
    private const string ProjectionB = "base_model.vera_B";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-vera-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Forward_AndMerge_EqualDiagLambdaBTimesBSliceTimesDiagLambdaDTimesASlice()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new UpDownModel();
        using var peft = PeftModel.Create(model, Config(c => c.InitWeights = false));
        var state = RandomizeLambdas(peft);
        var a = state[ProjectionA];
        var b = state[ProjectionB];
        Assert.Equal(new long[] { 4, UpDownModel.Wide }, a.shape);
        Assert.Equal(new long[] { UpDownModel.Wide, 4 }, b.shape);

        // ΔW = diag(λ_b) · B[:d_out, :] · diag(λ_d) · A[:, :d_in]
        Tensor Delta(string layer, long dOut, long dIn) =>
            diag(state[$"base_model.model.{layer}.vera_lambda_b"]).matmul(b[..(int)dOut, ..])
                .matmul(diag(state[$"base_model.model.{layer}.vera_lambda_d"])).matmul(a[.., ..(int)dIn]);
        var deltaUp = Delta("up", UpDownModel.Wide, UpDownModel.Narrow);
        var deltaDown = Delta("down", UpDownModel.Narrow, UpDownModel.Wide);
        var x = UpDownModel.Input();
        var expected = model.Reference(x, deltaUp, deltaDown);

        model.eval();
        ModelState.AssertClose(expected, model.call(x), 1e-5, "VeRA forward");

        var upBefore = model.Up.weight.detach().clone();
        peft.MergeAdapter();
        ModelState.AssertClose(upBefore + deltaUp, model.Up.weight, 1e-6, "merged up weight = W + ΔW");
        ModelState.AssertClose(expected, model.call(x), 1e-5, "merged forward");
    }

    [Fact]
    public void SharedProjections_AreDrawnAsPyTorchDrawsThemFromTheSeededCpuGenerator()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, new VeraConfig { Rank = 4, TargetModules = ModuleSelector.FromNames("lin0") });
        var state = peft.GetAdapterStateDict("default");
        var a = state[ProjectionA];
        var b = state[ProjectionB];

        // PyTorch 1.13: g = torch.Generator("cpu").manual_seed(0); bound(fan) = sqrt(3) * (sqrt(2) / sqrt(fan));
        // A = torch.empty(4, 10).uniform_(-bound(10), bound(10), generator=g); B = torch.empty(20, 4).uniform_(-bound(4), bound(4), generator=g)
        Assert.Equal(new long[] { 4, 10 }, a.shape);
        Assert.Equal(new long[] { 20, 4 }, b.shape);
        Assert.Equal(new[] { -0.005799266044050455f, 0.41552743315696716f, -0.6375280618667603f, -0.5700559616088867f }, a[0, ..4].data<float>().ToArray());
        Assert.Equal(0.3754257559776306f, a[3, 9].item<float>());
        Assert.Equal(new[] { 0.06441124528646469f, -0.6279065012931824f, 0.2072080820798874f, -1.1435378789901733f }, b[0, ..].data<float>().ToArray());
        Assert.Equal(0.290477991104126f, b[19, 3].item<float>());
        Assert.Equal(-2.3970890045166016, a.sum().item<float>(), 4);
        Assert.Equal(-0.2333660125732422, b.sum().item<float>(), 4);
    }

    [Fact]
    public void SharedProjections_AreOneTensorPerModel_ReadByEveryLayer_AndSavedOnceUnderTheGlobalKeys()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = new UpDownModel();
        using var peft = PeftModel.Create(model, Config(c => c.InitWeights = false));
        model.eval();
        var x = UpDownModel.Input();
        Tensor baseOutput;
        using (peft.DisableAdapter())
        {
            baseOutput = model.call(x);
        }

        Assert.DoesNotContain(peft.NamedTrainableParameters(), p => p.Name.Contains("vera_A", StringComparison.Ordinal) || p.Name.Contains("vera_B", StringComparison.Ordinal));
        peft.SaveAdapter(_directory);
        var saved = AdapterFiles.Weights(_directory);
        Assert.Equal(
            new[]
            {
                "base_model.model.down.vera_lambda_b", "base_model.model.down.vera_lambda_d",
                "base_model.model.up.vera_lambda_b", "base_model.model.up.vera_lambda_d",
                ProjectionA, ProjectionB,
            },
            saved.Keys.Order(StringComparer.Ordinal));

        // Zeroing the one model-level A removes the update from both layers: no layer holds a copy of its own.
        Assert.True(ModelState.MaxAbsDifference(baseOutput, model.call(x)) > 1e-4);
        using (no_grad())
        {
            peft.GetAdapterStateDict("default")[ProjectionA].zero_();
        }

        ModelState.AssertClose(baseOutput, model.call(x), 1e-6, "output with vera_A zeroed");
    }

    [Fact]
    public void TrainableParameters_BertBaseQueryValueRank256_Are24576()
    {
        using var scope = NewDisposeScope();
        using var model = new BertBaseAttentionShapes();
        using var peft = PeftModel.Create(model, new VeraConfig { Rank = 256, TargetModules = ModuleSelector.FromNames("query", "value") });

        // 12 layers × 2 modules × (d_out 768 + r 256), the figure of the spec's parity checklist.
        Assert.Equal(24_576, peft.GetTrainableParameterReport().TrainableParameters);
        Assert.Equal(new long[] { 256, 768 }, peft.GetAdapterStateDict("default")[ProjectionA].shape);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SaveThenLoad_OnFreshBase_GivesTheSameOutput_WithOrWithoutSavedProjections(bool saveProjection)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new UpDownModel();
        var original = ModelState.Snapshot(model);
        var x = UpDownModel.Input();
        using var peft = PeftModel.Create(model, Config(c => { c.InitWeights = false; c.SaveProjection = saveProjection; c.ProjectionPrngKey = 11; }));
        RandomizeLambdas(peft);
        model.eval();
        var expected = model.call(x);

        peft.SaveAdapter(_directory);
        Assert.Equal(saveProjection, AdapterFiles.Weights(_directory).ContainsKey(ProjectionA));

        using var fresh = new UpDownModel();
        ModelState.Restore(fresh, original);
        manual_seed(99);
        using var loaded = PeftModel.FromPretrained(fresh, _directory);
        fresh.eval();
        ModelState.AssertClose(expected, fresh.call(x), 1e-6, "output after reload");
        Assert.Equal(saveProjection, ((VeraConfig)loaded.GetConfig("default")).SaveProjection);
        ModelState.Dispose(original);
    }

    [Fact]
    public void Load_ProjectionOfAnotherShape_IsRefusedNamingTheKey()
    {
        using var scope = NewDisposeScope();
        var ex = AdapterFiles.LoadEdited(_directory, Config(), tensors => tensors[ProjectionA] = zeros(4, 20));
        Assert.Contains(ProjectionA, ex.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 20]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecondAdapter_SameKey_GetsIdenticalProjections_OtherKeyOrSaveProjectionIsRefused()
    {
        using var scope = NewDisposeScope();
        using var model = new UpDownModel();
        using var peft = PeftModel.Create(model, Config(c => c.ProjectionPrngKey = 5));

        peft.AddAdapter("other", Config(c => c.ProjectionPrngKey = 5));
        Assert.True(ModelState.Identical(peft.GetAdapterStateDict("default")[ProjectionB], peft.GetAdapterStateDict("other")[ProjectionB]));

        var key = Assert.Throws<ArgumentException>(() => peft.AddAdapter("third", Config(c => c.ProjectionPrngKey = 6)));
        Assert.Contains("ProjectionPrngKey", key.Message, StringComparison.Ordinal);
        var save = Assert.Throws<ArgumentException>(() => peft.AddAdapter("fourth", Config(c => { c.ProjectionPrngKey = 5; c.SaveProjection = false; })));
        Assert.Contains("SaveProjection", save.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "default", "other" }, peft.AdapterNames);

        // Deleting an adapter frees its projections and leaves the other adapter's in use.
        peft.DeleteAdapter("other");
        Assert.Throws<KeyNotFoundException>(() => peft.GetAdapterStateDict("other"));
        Assert.Equal(new long[] { 4, UpDownModel.Wide }, peft.GetAdapterStateDict("default")[ProjectionA].shape);
        model.eval();
        Assert.True(model.call(UpDownModel.Input()).isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData("fan_in_fan_out", "true")]
    [InlineData("bias", "\"vera_only\"")]
    [InlineData("bias", "\"all\"")]
    public void Load_UnsupportedOption_IsRefusedNamingTheField(string field, string value)
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(
            Path.Combine(_directory, PeftModel.AdapterConfigFileName),
            $$"""{"peft_type": "VERA", "r": 4, "target_modules": ["up"], "{{field}}": {{value}}}""");
        using var model = new UpDownModel();

        var ex = Assert.Throws<NotSupportedException>(() => PeftModel.FromPretrained(model, _directory));
        Assert.Contains($"`{field}`", ex.Message, StringComparison.Ordinal);
    }

    private static VeraConfig Config(Action<VeraConfig>? configure = null)
    {
        var config = new VeraConfig { Rank = 4, TargetModules = ModuleSelector.FromNames("up", "down") };
        configure?.Invoke(config);
        return config;
    }

    private static Dictionary<string, Tensor> RandomizeLambdas(PeftModel peft)
    {
        var state = peft.GetAdapterStateDict("default");
        using var noGrad = no_grad();
        foreach (var (key, tensor) in state.Where(p => p.Key.Contains("lambda", StringComparison.Ordinal)))
        {
            tensor.copy_(randn(tensor.shape));
        }

        return state;
    }
}
