// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Tuning;

/// <summary>PeftModel.UseAdapterPerRow: one forward pass in which every row runs its own adapter or the base model.</summary>
public sealed class MixedAdapterBatchTests
{
    private const string Base = PeftModel.BaseModelRowName;

    [Fact]
    public void MixedBatch_EqualsEachRowRunAloneWithItsAdapter()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyEncoder();
        using var peft = EncoderWithThreeAdapters(model);
        model.eval();
        var x = TinyEncoder.Input(7);
        string[] rows = { "r2", Base, "dora", "r4", "r2", "dora", Base };

        Tensor mixed;
        using (peft.UseAdapterPerRow(rows))
        {
            mixed = model.call(x);
        }

        for (int i = 0; i < rows.Length; i++)
        {
            ModelState.AssertClose(RunAlone(peft, model, x[i..(i + 1)], rows[i]), mixed[i..(i + 1)], 1e-5, $"row {i} ({rows[i]})");
        }

        // The adapters really differ from each other and from the base, so the comparison means something.
        Assert.True(ModelState.MaxAbsDifference(RunAlone(peft, model, x[..1], "r2"), RunAlone(peft, model, x[..1], Base)) > 1e-3);
        Assert.True(ModelState.MaxAbsDifference(RunAlone(peft, model, x[..1], "dora"), RunAlone(peft, model, x[..1], "r4")) > 1e-3);
    }

    [Fact]
    public void MixedBatch_WithInputScalingAdapters_ScalesEachRowsInputByItsOwnAdapter()
    {
        // (IA)³ on a feed-forward target scales the input before the layer runs, so the per-row rule must hold on the
        // input side too, not only on the output.
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, RandomIA3(), "a");
        peft.AddAdapter("b", RandomIA3());
        model.eval();
        var x = TinyMlp.Input(5);
        string[] rows = { "b", Base, "a", "a", "b" };

        Tensor mixed;
        using (peft.UseAdapterPerRow(rows))
        {
            mixed = model.call(x);
        }

        for (int i = 0; i < rows.Length; i++)
        {
            ModelState.AssertClose(RunAlone(peft, model, x[i..(i + 1)], rows[i]), mixed[i..(i + 1)], 1e-5, $"row {i} ({rows[i]})");
        }

        Assert.True(ModelState.MaxAbsDifference(RunAlone(peft, model, x[..1], "a"), RunAlone(peft, model, x[..1], "b")) > 1e-3);
    }

    [Fact]
    public void ScopeDisposed_RestoresTheActiveAdapterForEveryRow()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyEncoder();
        using var peft = EncoderWithThreeAdapters(model);
        model.eval();
        var x = TinyEncoder.Input(3);
        var before = model.call(x);

        using (peft.UseAdapterPerRow(new[] { Base, Base, "r4" }))
        {
            model.call(x);
        }

        Assert.Equal("r2", peft.ActiveAdapter);
        ModelState.AssertClose(before, model.call(x), 0, "active adapter again");
    }

    [Fact]
    public void MixedBatch_OnEmbeddingTargets_EqualsEachRowAlone()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyEmbeddingModel();
        using var peft = PeftModel.Create(model, RandomLora(2, "embed", "proj"), "a");
        peft.AddAdapter("b", RandomLora(5, "embed"));
        model.eval();
        var ids = TinyEmbeddingModel.Input(4);
        string[] rows = { "b", "a", Base, "b" };

        Tensor mixed;
        using (peft.UseAdapterPerRow(rows))
        {
            mixed = model.call(ids);
        }

        for (int i = 0; i < rows.Length; i++)
        {
            ModelState.AssertClose(RunAlone(peft, model, ids[i..(i + 1)], rows[i]), mixed[i..(i + 1)], 1e-5, $"row {i} ({rows[i]})");
        }
    }

    [Fact]
    public void MixedBatch_LeaksNoTensor()
    {
        using var model = new TinyEncoder();
        using var peft = EncoderWithThreeAdapters(model);
        model.eval();
        using var x = TinyEncoder.Input(6);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (peft.UseAdapterPerRow(new[] { "r2", "r4", "dora", Base, "r2", "dora" }))
        {
            using var step = NewDisposeScope();
            model.call(x);
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Errors_SayWhatToDo()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyEncoder();
        using var peft = EncoderWithThreeAdapters(model);
        var x = TinyEncoder.Input(2);

        model.train();
        Assert.Contains("eval()", Assert.Throws<InvalidOperationException>(() => peft.UseAdapterPerRow(new[] { "r2", Base })).Message);
        model.eval();

        var unknown = Assert.Throws<ArgumentException>(() => peft.UseAdapterPerRow(new[] { "r2", "typo" }));
        Assert.Equal("adapterNamePerRow", unknown.ParamName);
        Assert.Contains("typo", unknown.Message);
        Assert.Throws<ArgumentException>(() => peft.UseAdapterPerRow(Array.Empty<string>()));

        using (peft.UseAdapterPerRow(new[] { "r2", Base, "r4" }))
        {
            Assert.Contains("3 adapter names", Assert.Throws<InvalidOperationException>(() => model.call(x)).Message);
            Assert.Throws<InvalidOperationException>(() => peft.UseAdapterPerRow(new[] { "r2" }));
            model.train();
            Assert.Contains("training mode", Assert.Throws<InvalidOperationException>(() => model.call(TinyEncoder.Input(3))).Message);
            model.eval();
        }

        peft.MergeAdapter();
        Assert.Contains(nameof(PeftModel.UnmergeAdapter), Assert.Throws<InvalidOperationException>(() => peft.UseAdapterPerRow(new[] { "r2", Base })).Message);
        peft.UnmergeAdapter();

        var withHead = RandomLora(2, "query");
        withHead.ModulesToSave = new[] { "classifier" };
        peft.AddAdapter("head", withHead);
        Assert.Contains("modules_to_save", Assert.Throws<NotSupportedException>(() => peft.UseAdapterPerRow(new[] { "r2", Base })).Message);
    }

    // r2: LoRA rank 2 on query and value; r4: LoRA rank 4 on query, key and dense; dora: DoRA rank 3 on value and
    // intermediate with a perturbed magnitude. All start random so each changes the output.
    private static PeftModel EncoderWithThreeAdapters(TinyEncoder model)
    {
        var peft = PeftModel.Create(model, RandomLora(2, "query", "value"), "r2");
        peft.AddAdapter("r4", RandomLora(4, "query", "key", "dense"));
        var dora = RandomLora(3, "value", "intermediate");
        dora.UseDora = true;
        peft.AddAdapter("dora", dora);
        using (no_grad())
        {
            foreach (var (name, tensor) in peft.GetAdapterStateDict("dora").Where(p => p.Key.EndsWith("lora_magnitude_vector", StringComparison.Ordinal)))
            {
                tensor.mul_(rand(tensor.shape) + 0.5);
            }
        }

        return peft;
    }

    // Random vectors (init_ia3_weights false), lin1 as a feed-forward (input-scaling) target and lin0 scaling its output.
    private static IA3Config RandomIA3() => new()
    {
        InitializeWeights = false,
        TargetModules = ModuleSelector.FromNames("lin0", "lin1"),
        FeedforwardModules = ModuleSelector.FromNames("lin1"),
    };

    private static LoraConfig RandomLora(int rank, params string[] targets) => new()
    {
        Rank = rank,
        Alpha = 2 * rank,
        Initialization = LoraInitialization.Random,
        TargetModules = ModuleSelector.FromNames(targets),
    };

    private static Tensor RunAlone(PeftModel peft, nn.Module<Tensor, Tensor> model, Tensor row, string adapter)
    {
        if (adapter == Base)
        {
            using var disabled = peft.DisableAdapter();
            return model.call(row);
        }

        string active = peft.ActiveAdapter;
        peft.SetActiveAdapter(adapter);
        var output = model.call(row);
        peft.SetActiveAdapter(active);
        return output;
    }
}
