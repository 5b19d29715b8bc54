// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.Lora;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.Lora;

/// <summary>
/// PeftModel.AddWeightedAdapter against the formulas of PEFT's lora/model.py (add_weighted_adapter and its two
/// helpers), written out by hand. No Python-produced fixture is used: the expectations follow PEFT's source.
/// </summary>
public sealed class WeightedAdapterTests
{
    private const string Prefix = "base_model.model.";

    [Fact]
    public void Cat_DeltaIsExactlyTheWeightedSumOfTheScaledUpdates()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = TwoAdapters(model, rankA: 2, rankB: 3);

        peft.AddWeightedAdapter(new[] { "a", "b" }, new[] { 0.7, -1.3 }, "mix", AdapterCombination.Cat);

        var config = (LoraConfig)peft.GetConfig("mix");
        Assert.Equal(5, config.Rank);
        Assert.Equal(5.0, config.Alpha);
        Assert.Empty(config.RankPattern);
        Assert.Empty(config.AlphaPattern);
        Assert.Equal(new[] { "lin0", "lin1" }, config.TargetModules!.Names);
        Assert.Equal("a", peft.ActiveAdapter);
        foreach (string module in new[] { "lin0", "lin1" })
        {
            var expected = (0.7 * Scaled(peft, "a", module)) - (1.3 * Scaled(peft, "b", module));
            ModelState.AssertClose(expected, Delta(peft, "mix", module), 1e-5, "cat is exact on " + module);
        }
    }

    [Fact]
    public void Linear_CombinesFactorsWithSquareRootWeightsAndShowsCrossTerms()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = TwoAdapters(model, rankA: 3, rankB: 3);
        double[] weights = { 0.8, -0.5 };

        peft.AddWeightedAdapter(new[] { "a", "b" }, weights, "mix", AdapterCombination.Linear);

        // c_i = w_i·s_i with s_a = 8/3, s_b = 6/3.
        double[] c = { weights[0] * 8.0 / 3, weights[1] * 6.0 / 3 };
        var (aA, bA) = Factors(peft, "a", "lin0");
        var (aB, bB) = Factors(peft, "b", "lin0");
        var expectedA = (Math.Sqrt(Math.Abs(c[0])) * aA) - (Math.Sqrt(Math.Abs(c[1])) * aB);
        var expectedB = (Math.Sqrt(Math.Abs(c[0])) * bA) + (Math.Sqrt(Math.Abs(c[1])) * bB);
        var (newA, newB) = Factors(peft, "mix", "lin0");
        ModelState.AssertClose(expectedA, newA, 1e-6, "A = Σ sign(c)·√|c|·A_i");
        ModelState.AssertClose(expectedB, newB, 1e-6, "B = Σ √|c|·B_i");

        // The product is Σ c_i·B_i·A_i plus the cross terms √|c_a c_b|·(−B_a·A_b + B_b·A_a).
        var exact = (c[0] * bA.matmul(aA)) + (c[1] * bB.matmul(aB));
        var cross = Math.Sqrt(Math.Abs(c[0] * c[1])) * (bB.matmul(aA) - bA.matmul(aB));
        ModelState.AssertClose(exact + cross, Delta(peft, "mix", "lin0"), 1e-5, "linear = exact + cross terms");
        Assert.True(ModelState.MaxAbsDifference(exact, Delta(peft, "mix", "lin0")) > 1e-2, "the cross terms are not negligible");
    }

    [Fact]
    public void SingleAdapter_AlwaysUsesLinear()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = TwoAdapters(model, rankA: 3, rankB: 2);

        peft.AddWeightedAdapter(new[] { "b" }, new[] { -2.0 }, "neg", AdapterCombination.Svd, svdRank: 1);

        double c = -2.0 * 6.0 / 2;
        var (a, b) = Factors(peft, "b", "lin1");
        var (newA, newB) = Factors(peft, "neg", "lin1");
        Assert.Equal(2, ((LoraConfig)peft.GetConfig("neg")).Rank);
        ModelState.AssertClose(-Math.Sqrt(-c) * a, newA, 1e-6, "A = −√|c|·A");
        ModelState.AssertClose(Math.Sqrt(-c) * b, newB, 1e-6, "B = √|c|·B");
        ModelState.AssertClose(c * b.matmul(a), Delta(peft, "neg", "lin1"), 1e-5, "one adapter is reproduced exactly");
    }

    [Fact]
    public void Svd_FactorsTheDoublyScaledSumAndTruncates()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = TwoAdapters(model, rankA: 2, rankB: 3);
        double[] weights = { 1.0, 0.5 };

        peft.AddWeightedAdapter(new[] { "a", "b" }, weights, "svd", svdRank: 3);

        // PEFT weights get_delta_weight (already s·B·A) by w·s again: ΔW = Σ w_i·s_i²·B_i·A_i (s_a = 4, s_b = 2).
        var target = (1.0 * 4 * Scaled(peft, "a", "lin0")) + (0.5 * 2 * Scaled(peft, "b", "lin0"));
        var (u, s, vh) = linalg.svd(target, fullMatrices: false);
        var truncated = u[.., ..3].matmul(diag(s[..3])).matmul(vh[..3]);
        Assert.Equal(3, ((LoraConfig)peft.GetConfig("svd")).Rank);
        ModelState.AssertClose(truncated, Delta(peft, "svd", "lin0"), 1e-4, "rank-3 SVD of the doubly scaled sum");

        // Rank 5 ≥ the rank of the sum reproduces it, and shows the double scaling is really there.
        peft.AddWeightedAdapter(new[] { "a", "b" }, weights, "full", AdapterCombination.Svd, svdRank: 5);
        ModelState.AssertClose(target, Delta(peft, "full", "lin0"), 1e-4, "full-rank SVD");
        var singlyScaled = (1.0 * Scaled(peft, "a", "lin0")) + (0.5 * Scaled(peft, "b", "lin0"));
        Assert.True(ModelState.MaxAbsDifference(singlyScaled, Delta(peft, "full", "lin0")) > 1e-2);
    }

    [Fact]
    public void Svd_DefaultRankIsTheLargestSourceRank()
    {
        using var model = new TinyMlp();
        using var peft = TwoAdapters(model, rankA: 2, rankB: 3);
        peft.AddWeightedAdapter(new[] { "a", "b" }, new[] { 1.0, 1.0 }, "svd");
        Assert.Equal(3, ((LoraConfig)peft.GetConfig("svd")).Rank);
    }

    [Fact]
    public void SvdClamp_ClampsBothFactorsToTheQuantileOfTheirSignedEntries()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = TwoAdapters(model, rankA: 2, rankB: 2);

        peft.AddWeightedAdapter(new[] { "a", "b" }, new[] { 1.0, -1.0 }, "clamped", svdRank: 2, svdClamp: 0.9);

        var target = (4 * Scaled(peft, "a", "lin1")) - (3 * Scaled(peft, "b", "lin1"));
        var (u, s, vh) = linalg.svd(target, fullMatrices: true);
        var b = u[.., ..2].matmul(diag(s[..2]));
        var a = vh[..2];
        double high = quantile(cat(new[] { b.flatten(), a.flatten() }), tensor(0.9f)).ToDouble();
        var (newA, newB) = Factors(peft, "clamped", "lin1");

        // Singular vectors are defined up to sign; align each direction before comparing.
        var sign = (b * newB).sum(dim: 0).sign();
        ModelState.AssertClose(b.clamp(-high, high) * sign, newB, 1e-4, "clamped B");
        ModelState.AssertClose(a.clamp(-high, high) * sign.view(-1, 1), newA, 1e-4, "clamped A");
        Assert.True(newB.abs().max().ToDouble() <= high + 1e-6);
        Assert.True(b.abs().max().ToDouble() > high, "the clamp changed something");
    }

    [Theory]
    [InlineData(AdapterCombination.Ties, MajoritySignMethod.Total)]
    [InlineData(AdapterCombination.Ties, MajoritySignMethod.Frequency)]
    [InlineData(AdapterCombination.MagnitudePrune, MajoritySignMethod.Total)]
    public void FactorwisePruning_MatchesAnElementwiseReference(AdapterCombination combination, MajoritySignMethod method)
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = ThreeAdapters(model);
        string[] names = { "a", "b", "c" };
        double[] weights = { 1.0, -0.6, 0.4 };

        peft.AddWeightedAdapter(names, weights, "mix", combination, density: 0.4, majoritySignMethod: method);

        var scaled = names.Select((n, i) => weights[i] * ((LoraConfig)peft.GetConfig(n)).Alpha / 2).ToArray();
        var weightsA = scaled.Select(c => Math.Sqrt(Math.Abs(c)) * Math.Sign(c)).ToArray();
        var weightsB = scaled.Select(c => Math.Sqrt(Math.Abs(c))).ToArray();
        bool ties = combination == AdapterCombination.Ties;
        var factors = names.Select(n => Factors(peft, n, "lin0")).ToList();
        var expectedA = ReferenceMerge(factors.Select(f => f.A).ToList(), weightsA, 0.4, ties, method);
        var expectedB = ReferenceMerge(factors.Select(f => f.B).ToList(), weightsB, 0.4, ties, method);
        var (newA, newB) = Factors(peft, "mix", "lin0");
        ModelState.AssertClose(expectedA, newA, 1e-6, combination + " on A");
        ModelState.AssertClose(expectedB, newB, 1e-6, combination + " on B");
    }

    [Fact]
    public void TiesSvd_FactorsTheTiesMergeOfTheDenseUpdates()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = ThreeAdapters(model);
        string[] names = { "a", "b", "c" };
        double[] weights = { 1.0, 0.5, -0.5 };

        peft.AddWeightedAdapter(names, weights, "mix", AdapterCombination.TiesSvd, svdRank: 10, density: 0.3);

        var scalings = names.Select(n => ((LoraConfig)peft.GetConfig(n)).Alpha / 2).ToArray();
        var deltas = names.Select(n => Scaled(peft, n, "lin0")).ToList();
        var merged = ReferenceMerge(deltas, weights.Select((w, i) => w * scalings[i]).ToArray(), 0.3, ties: true, MajoritySignMethod.Total);
        ModelState.AssertClose(merged, Delta(peft, "mix", "lin0"), 1e-4, "rank-10 SVD of the TIES merge of 20×10 updates");
    }

    [Fact]
    public void Dare_IsSeededByTorchAndRescalesTheKeptEntries()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = TwoAdapters(model, rankA: 2, rankB: 2);
        string[] names = { "a", "b" };

        torch.manual_seed(7);
        peft.AddWeightedAdapter(names, new[] { 1.0, 1.0 }, "d1", AdapterCombination.DareLinear, density: 0.5);
        torch.manual_seed(7);
        peft.AddWeightedAdapter(names, new[] { 1.0, 1.0 }, "d2", AdapterCombination.DareLinear, density: 0.5);
        torch.manual_seed(8);
        peft.AddWeightedAdapter(names, new[] { 1.0, 1.0 }, "d3", AdapterCombination.DareLinear, density: 0.5);
        peft.AddWeightedAdapter(names, new[] { 1.0, 1.0 }, "dense", AdapterCombination.DareLinear, density: 1.0);
        peft.AddWeightedAdapter(names, new[] { 1.0, 1.0 }, "linear", AdapterCombination.Linear);

        ModelState.AssertClose(Factors(peft, "d1", "lin0").A, Factors(peft, "d2", "lin0").A, 0, "same seed, same adapter");
        Assert.True(ModelState.MaxAbsDifference(Factors(peft, "d1", "lin0").A, Factors(peft, "d3", "lin0").A) > 1e-3);
        ModelState.AssertClose(Factors(peft, "linear", "lin0").A, Factors(peft, "dense", "lin0").A, 1e-6, "density 1 keeps everything");

        // Each entry is the masked combination rescaled by 1/density: one of 0, 2a/½, √3b/½ or (2a + √3b)/½
        // (√|c| weights with c_a = 4, c_b = 3). The new adapter's own initialization draws first, so the masks are not replayed here.
        var a = Factors(peft, "a", "lin0").A.data<float>().ToArray();
        var b = Factors(peft, "b", "lin0").A.data<float>().ToArray();
        var dare = Factors(peft, "d1", "lin0").A.data<float>().ToArray();
        for (int i = 0; i < dare.Length; i++)
        {
            double[] candidates = { 0, 2 * a[i] / 0.5, Math.Sqrt(3) * b[i] / 0.5, ((2 * a[i]) + (Math.Sqrt(3) * b[i])) / 0.5 };
            Assert.Contains(candidates, c => Math.Abs(c - dare[i]) < 1e-5);
        }
    }

    [Fact]
    public void DareTies_ElectsSignsOnTheRescaledPrunedTensors()
    {
        using var scope = NewDisposeScope();
        var tensors = new List<Tensor> { randn(6, 5), randn(6, 5), randn(6, 5) };
        double[] weights = { 1.0, -0.5, 2.0 };

        torch.manual_seed(3);
        var merged = TaskTensorMerging.Merge(TaskMergeRule.DareTies, tensors, weights, 0.6, MajoritySignMethod.Frequency);

        torch.manual_seed(3);
        var pruned = tensors.Select(t => t * bernoulli(full_like(t, 0.6)) / 0.6).ToList();
        var expected = ReferenceMerge(pruned, weights, 1.0, ties: true, MajoritySignMethod.Frequency);
        ModelState.AssertClose(expected, merged, 1e-5, "DARE-TIES: Bernoulli(density) masks drawn in order, then TIES");
    }

    [Fact]
    public void Ties_HandComputedCase_TotalAndFrequencyDiffer()
    {
        using var scope = NewDisposeScope();
        var tensors = new List<Tensor> { tensor(new[] { 3f, 2f }), tensor(new[] { -1f, 1f }), tensor(new[] { -1f, -4f }) };
        double[] weights = { 1.0, 2.0, 0.5 };

        // Entry 0: sum +1 → +, signs (+,−,−) → −. Entry 1: sum −1 → −, signs (+,+,−) → +.
        // total:     [3·1 / 1, −4·0.5 / 1]               = [3, −2]
        // frequency: [(−1·2 − 1·0.5) / 2, (2·1 + 1·2) / 2] = [−1.25, 2]
        var total = TaskTensorMerging.Merge(TaskMergeRule.Ties, tensors, weights, 1.0, MajoritySignMethod.Total);
        var frequency = TaskTensorMerging.Merge(TaskMergeRule.Ties, tensors, weights, 1.0, MajoritySignMethod.Frequency);
        ModelState.AssertClose(tensor(new[] { 3f, -2f }), total, 1e-6, "total");
        ModelState.AssertClose(tensor(new[] { -1.25f, 2f }), frequency, 1e-6, "frequency");

        // Density 0.5 keeps ⌊0.5·4⌋ = 2 entries, the largest in magnitude, before weighting.
        var pruned = TaskTensorMerging.Merge(TaskMergeRule.MagnitudePrune, new List<Tensor> { tensor(new[] { 3f, 2f, -5f, 0.5f }) }, new[] { 2.0 }, 0.5, MajoritySignMethod.Total);
        ModelState.AssertClose(tensor(new[] { 6f, 0f, -10f, 0f }), pruned, 1e-6, "magnitude pruning keeps the top ⌊density·n⌋ |x|");
    }

    [Fact]
    public void Cat_OnEmbeddingAndUnionOfTargets_IsExact()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyEmbeddingModel();
        using var peft = PeftModel.Create(model, Config(2, 4, "embed"), "a");
        peft.AddAdapter("b", Config(3, 3, "embed", "proj"));

        peft.AddWeightedAdapter(new[] { "a", "b" }, new[] { 1.5, 0.5 }, "mix", AdapterCombination.Cat);

        Assert.Equal(new[] { "embed", "proj" }, peft.GetConfig("mix").TargetModules!.Names);
        var expected = (1.5 * Scaled(peft, "a", "embed", embedding: true)) + (0.5 * Scaled(peft, "b", "embed", embedding: true));
        ModelState.AssertClose(expected, Delta(peft, "mix", "embed", embedding: true), 1e-5, "embedding cat");

        // proj has only b: its rows come first and the rest stay zero.
        ModelState.AssertClose(0.5 * Scaled(peft, "b", "proj"), Delta(peft, "mix", "proj"), 1e-5, "a layer with one source");
    }

    [Fact]
    public void DoraSource_GivesADoraAdapterWithAFreshMagnitude()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        var dora = Config(2, 4, "lin0");
        dora.UseDora = true;
        using var peft = PeftModel.Create(model, dora, "a");
        peft.AddAdapter("b", Config(2, 2, "lin0"));

        peft.AddWeightedAdapter(new[] { "a", "b" }, new[] { 1.0, 1.0 }, "mix", AdapterCombination.Cat);

        Assert.True(((LoraConfig)peft.GetConfig("mix")).UseDora);
        var state = peft.GetAdapterStateDict("mix");
        var weight = model.named_parameters().First(p => p.name == "lin0.weight").parameter;
        ModelState.AssertClose(weight.pow(2).sum(1).sqrt(), state[Prefix + "lin0.lora_magnitude_vector"], 1e-5, "m = ‖W‖ per row");
        ModelState.AssertClose(Scaled(peft, "a", "lin0") + Scaled(peft, "b", "lin0"), Delta(peft, "mix", "lin0"), 1e-5, "LoRA part is the cat");
    }

    [Fact]
    public void Errors_NameTheProblem()
    {
        using var model = new TinyMlp();
        using var peft = TwoAdapters(model, rankA: 2, rankB: 3);
        string[] both = { "a", "b" };
        double[] ones = { 1.0, 1.0 };

        Assert.Contains("same rank", Assert.Throws<ArgumentException>(() => peft.AddWeightedAdapter(both, ones, "x", AdapterCombination.Linear)).Message);
        Assert.Equal("density", Assert.Throws<ArgumentException>(() => peft.AddWeightedAdapter(both, ones, "x", AdapterCombination.TiesSvd)).ParamName);
        Assert.Equal("density", Assert.Throws<ArgumentOutOfRangeException>(() => peft.AddWeightedAdapter(both, ones, "x", AdapterCombination.DareLinearSvd, density: 0)).ParamName);
        Assert.Equal("density", Assert.Throws<ArgumentOutOfRangeException>(() => peft.AddWeightedAdapter(both, ones, "x", AdapterCombination.TiesSvd, density: 1.5)).ParamName);
        Assert.Equal("svdClamp", Assert.Throws<ArgumentOutOfRangeException>(() => peft.AddWeightedAdapter(both, ones, "x", svdClamp: 2)).ParamName);
        Assert.Equal("svdRank", Assert.Throws<ArgumentOutOfRangeException>(() => peft.AddWeightedAdapter(both, ones, "x", svdRank: 0)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => peft.AddWeightedAdapter(both, new[] { 1.0 }, "x")).ParamName);
        Assert.Equal("newAdapterName", Assert.Throws<ArgumentException>(() => peft.AddWeightedAdapter(both, ones, "a")).ParamName);
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => peft.AddWeightedAdapter(new[] { "a", "nope" }, ones, "x")).Message);
        Assert.Contains("min(out, in)", Assert.Throws<InvalidOperationException>(() => peft.AddWeightedAdapter(both, ones, "x", svdRank: 11)).Message);

        // A failed combination leaves nothing behind.
        Assert.Equal(new[] { "a", "b" }, peft.AdapterNames);
    }

    [Fact]
    public void Errors_MixedSelectorsAndSharedModulesToSave()
    {
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, Config(2, 2, "lin0"), "a");
        var regex = Config(2, 2, "lin0");
        regex.TargetModules = ModuleSelector.FromRegex("lin1");
        peft.AddAdapter("r", regex);
        Assert.Contains("regex", Assert.Throws<ArgumentException>(() => peft.AddWeightedAdapter(new[] { "a", "r" }, new[] { 1.0, 1.0 }, "x")).Message);

        var withHead = Config(2, 2, "lin0");
        withHead.ModulesToSave = new[] { "head" };
        peft.AddAdapter("h1", withHead);
        peft.AddAdapter("h2", withHead);
        Assert.Contains("modules_to_save", Assert.Throws<ArgumentException>(() => peft.AddWeightedAdapter(new[] { "h1", "h2" }, new[] { 1.0, 1.0 }, "x")).Message);
        peft.AddWeightedAdapter(new[] { "h1", "a" }, new[] { 1.0, 1.0 }, "ok", AdapterCombination.Cat);
    }

    [Fact]
    public void RegexTargets_AreJoinedAsAlternatives()
    {
        using var model = new TinyMlp();
        var first = Config(2, 2, "lin0");
        first.TargetModules = ModuleSelector.FromRegex("lin0");
        var second = Config(2, 2, "lin0");
        second.TargetModules = ModuleSelector.FromRegex("lin1");
        using var peft = PeftModel.Create(model, first, "a");
        peft.AddAdapter("b", second);

        peft.AddWeightedAdapter(new[] { "a", "b" }, new[] { 1.0, 1.0 }, "mix", AdapterCombination.Cat);

        Assert.Equal("(lin0)|(lin1)", peft.GetConfig("mix").TargetModules!.Pattern);
        Assert.Equal(new[] { "lin0", "lin1" }, peft.GetTargetModules("mix"));
    }

    private static LoraConfig Config(int rank, double alpha, params string[] targets) => new()
    {
        Rank = rank,
        Alpha = alpha,
        Initialization = LoraInitialization.Random,
        TargetModules = ModuleSelector.FromNames(targets),
    };

    // a: r = rankA, alpha 8; b: r = rankB, alpha 6; both on lin0 and lin1 with random A and B.
    private static PeftModel TwoAdapters(TinyMlp model, int rankA, int rankB)
    {
        var peft = PeftModel.Create(model, Config(rankA, 8, "lin0", "lin1"), "a");
        peft.AddAdapter("b", Config(rankB, 6, "lin0", "lin1"));
        return peft;
    }

    // Rank 2 each with alphas 2, 4 and 6: scalings 1, 2 and 3.
    private static PeftModel ThreeAdapters(TinyMlp model)
    {
        var peft = PeftModel.Create(model, Config(2, 2, "lin0"), "a");
        peft.AddAdapter("b", Config(2, 4, "lin0"));
        peft.AddAdapter("c", Config(2, 6, "lin0"));
        return peft;
    }

    private static (Tensor A, Tensor B) Factors(PeftModel peft, string adapter, string module, bool embedding = false)
    {
        var state = peft.GetAdapterStateDict(adapter);
        return embedding
            ? (state[$"{Prefix}{module}.lora_embedding_A"].detach(), state[$"{Prefix}{module}.lora_embedding_B"].detach())
            : (state[$"{Prefix}{module}.lora_A.weight"].detach(), state[$"{Prefix}{module}.lora_B.weight"].detach());
    }

    // s·B·A in the B·A orientation (out×in for linear, dim×count for embedding).
    private static Tensor Scaled(PeftModel peft, string adapter, string module, bool embedding = false)
    {
        var config = (LoraConfig)peft.GetConfig(adapter);
        var (a, b) = Factors(peft, adapter, module, embedding);
        return b.matmul(a) * (config.Alpha / config.Rank);
    }

    private static Tensor Delta(PeftModel peft, string adapter, string module, bool embedding = false) => Scaled(peft, adapter, module, embedding);

    // merge_utils written entry by entry: magnitude-prune each tensor to its top ⌊density·n⌋ |x|, then either a
    // weighted sum, or TIES: elect the sign of each entry on the pruned, unweighted values and average the weighted
    // values whose sign agrees (zeros never agree).
    private static Tensor ReferenceMerge(IReadOnlyList<Tensor> tensors, double[] weights, double density, bool ties, MajoritySignMethod method)
    {
        var values = tensors.Select(t => t.to(ScalarType.Float64).data<double>().ToArray()).ToList();
        int n = values[0].Length;
        if (density < 1)
        {
            int keep = (int)(density * n);
            foreach (var v in values)
            {
                var kept = Enumerable.Range(0, n).OrderByDescending(i => Math.Abs(v[i])).Take(keep).ToHashSet();
                for (int i = 0; i < n; i++)
                {
                    v[i] = kept.Contains(i) ? v[i] : 0;
                }
            }
        }

        var result = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (!ties)
            {
                result[i] = values.Select((v, t) => v[i] * weights[t]).Sum();
                continue;
            }

            double vote = method == MajoritySignMethod.Total ? values.Sum(v => v[i]) : values.Sum(v => Math.Sign(v[i]));
            int elected = vote >= 0 ? 1 : -1;
            var agreeing = Enumerable.Range(0, values.Count).Where(t => Math.Sign(values[t][i]) == elected).ToList();
            result[i] = agreeing.Sum(t => values[t][i] * weights[t]) / Math.Max(1, agreeing.Count);
        }

        return tensor(result, dtype: ScalarType.Float64).reshape(tensors[0].shape).to(tensors[0].dtype);
    }
}
