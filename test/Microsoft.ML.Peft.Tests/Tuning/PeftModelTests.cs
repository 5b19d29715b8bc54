// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Tuning;

/// <summary>PeftModel's API: named adapters, disabling, merging, reports and the errors users see.</summary>
public sealed class PeftModelTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-model-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Create_TargetsMatchingNothing_ListsTheModulesThatExist()
    {
        using var model = new TinyMlp();
        var error = Assert.Throws<ArgumentException>(() => PeftModel.Create(model, Lora("q_proj")));
        Assert.Contains("q_proj", error.Message);
        Assert.Contains("lin0", error.Message);
        Assert.Contains("head", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Create_NonPositiveRank_ThrowsNamingRank(int rank)
    {
        using var model = new TinyMlp();
        var config = Lora("lin0");
        config.Rank = rank;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PeftModel.Create(model, config));
        Assert.Equal(nameof(LoraConfig.Rank), error.ParamName);
    }

    [Fact]
    public void Create_TargetOfUnsupportedType_NamesModuleAndType()
    {
        using var model = new TinyMlp();
        var error = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, Lora("drop")));
        Assert.Contains("'drop'", error.Message);
        Assert.Contains("Dropout", error.Message);
    }

    [Fact]
    public void Create_WithoutTargetModules_SaysHowToSetThem()
    {
        using var model = new TinyMlp();
        var error = Assert.Throws<ArgumentException>(() => PeftModel.Create(model, new LoraConfig()));
        Assert.Contains(nameof(PeftConfig.TargetModules), error.Message);
    }

    [Fact]
    public void Create_FreezesBaseAndCopiesConfig()
    {
        using var model = new TinyMlp();
        var config = Lora("lin0");
        using var peft = PeftModel.Create(model, config);

        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        config.Rank = 2;
        Assert.Equal(4, ((LoraConfig)peft.GetConfig("default")).Rank);
        Assert.Throws<InvalidOperationException>(() => ((LoraConfig)peft.GetConfig("default")).Rank = 2);
    }

    [Fact]
    public void TrainableParameterReport_OnBertBaseQueryValue_MatchesPeftCount()
    {
        // BERT-base shapes: 12 layers, query and value 768×768. PEFT: r=8 → 12·2·8·(768+768) = 294,912.
        using var model = new NamedModuleTree(Enumerable.Range(0, 12).SelectMany(i => new[]
        {
            ($"bert.encoder.layer.{i}.attention.self.query", 768L, 768L),
            ($"bert.encoder.layer.{i}.attention.self.value", 768L, 768L),
        }));
        var config = Lora("query", "value");
        config.Rank = 8;
        using var peft = PeftModel.Create(model, config);
        var report = peft.GetTrainableParameterReport();

        long baseCount = 24L * (768 * 768 + 768);
        Assert.Equal(294_912, report.TrainableParameters);
        Assert.Equal(baseCount + 294_912, report.AllParameters);
        Assert.Equal($"trainable params: 294,912 || all params: {baseCount + 294_912:N0} || trainable%: {100.0 * 294_912 / (baseCount + 294_912):F4}", report.ToString());
    }

    [Fact]
    public void Create_TargetsOnlyInModulesToSave_IsRefusedSayingWhy()
    {
        using var model = new TinyMlp();
        var config = new LoraConfig { TargetModules = ModuleSelector.FromNames("head"), ModulesToSave = new[] { "head" } };

        var error = Assert.Throws<ArgumentException>(() => PeftModel.Create(model, config));

        Assert.Contains("matched only [head], which `ModulesToSave` also names", error.Message, StringComparison.Ordinal);
        Assert.Contains("Remove it from one of the two", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainableParameterReport_WithModulesToSave_CountsTheHeadCopyLikePeft()
    {
        using var model = new TinyMlp();
        var config = Lora("lin0");
        config.ModulesToSave = new[] { "head" };
        using var peft = PeftModel.Create(model, config);
        var report = peft.GetTrainableParameterReport();

        long adapter = 4 * (10 + 20);
        long head = 20 * 3 + 3;
        long all = model.parameters().Sum(p => p.numel());
        Assert.Equal(adapter + head, report.TrainableParameters);
        Assert.Equal(all + adapter + head, report.AllParameters);
    }

    [Fact]
    public void NamedAdapters_AddSetDelete_SwitchOutputsAndTrainability()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        model.eval();
        var x = TinyMlp.Input();
        var randomInit = RandomLora("lin0", "lin1");
        using var peft = PeftModel.Create(model, randomInit);
        var first = model.call(x);

        peft.AddAdapter("second", randomInit);
        Assert.Equal("default", peft.ActiveAdapter);
        Assert.DoesNotContain(peft.NamedTrainableParameters(), p => p.Name.Contains(".second", StringComparison.Ordinal));
        ModelState.AssertClose(first, model.call(x), 0, "adding an adapter does not activate it");

        peft.SetActiveAdapter("second");
        Assert.All(peft.NamedTrainableParameters(), p => Assert.Contains(".second", p.Name));
        Assert.True(ModelState.MaxAbsDifference(first, model.call(x)) > 1e-4, "the second adapter has its own weights");

        peft.DeleteAdapter("second");
        Assert.Equal(new[] { "default" }, peft.AdapterNames);
        Assert.Equal("default", peft.ActiveAdapter);
        ModelState.AssertClose(first, model.call(x), 0, "back to the first adapter");
        Assert.Throws<KeyNotFoundException>(() => peft.SetActiveAdapter("second"));
    }

    [Fact]
    public void AddAdapter_OfAnotherMethodType_OrDuplicateName_Throws()
    {
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, Lora("lin0"));
        Assert.Throws<ArgumentException>(() => peft.AddAdapter("default", Lora("lin1")));
        Assert.Throws<ArgumentException>(() => peft.AddAdapter("a.b", Lora("lin1")));
    }

    [Fact]
    public void SafeMerge_WithNonFiniteAdapter_RefusesAndLeavesEveryWeightUntouched()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, Lora("lin0", "lin1"));
        var before = ModelState.Snapshot(model);
        var loraB = peft.NamedTrainableParameters().Last(p => p.Name.Contains("lin1.lora_B", StringComparison.Ordinal)).Parameter;
        using (no_grad())
        {
            loraB.fill_(float.NaN);
        }

        var error = Assert.Throws<InvalidOperationException>(() => peft.MergeAdapter(safeMerge: true));
        Assert.Contains("NaN", error.Message);
        Assert.Contains("lin1", error.Message);
        Assert.False(peft.IsMerged);
        foreach (var (name, value) in model.state_dict())
        {
            Assert.True(value.eq(before[name]).all().item<bool>(), $"'{name}' changed although the merge was refused");
        }

        peft.MergeAdapter(safeMerge: false);
        Assert.True(model.state_dict()["lin1.weight"].isnan().any().item<bool>(), "an unsafe merge writes what it computes");
        ModelState.Dispose(before);
    }

    [Fact]
    public void MergeAndUnload_ReturnsPlainModelWithTheUpdateBakedIn()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        model.eval();
        var x = TinyMlp.Input();
        var config = RandomLora("lin0", "lin1");
        var peft = PeftModel.Create(model, config);
        var adapted = model.call(x);

        var unloaded = peft.MergeAndUnload(safeMerge: true);

        Assert.Same(model, unloaded);
        ModelState.AssertClose(adapted, model.call(x), 1e-5, "merged and unloaded output");
        Assert.Throws<ObjectDisposedException>(() => peft.MergeAdapter());
    }

    [Fact]
    public void Unload_RestoresTheOriginalModel()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        model.eval();
        var x = TinyMlp.Input();
        var original = model.call(x);
        var config = RandomLora("lin0");
        config.ModulesToSave = new[] { "head" };
        var peft = PeftModel.Create(model, config);
        using (no_grad())
        {
            model.state_dict()["head.weight"].add_(1);
        }

        peft.MergeAdapter();
        peft.Unload();

        ModelState.AssertClose(original, model.call(x), 1e-5, "output after unload");
    }

    [Fact]
    public void DisableAdapter_WhileMerged_UnmergesFirst()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        model.eval();
        var x = TinyMlp.Input();
        var original = model.call(x);
        var config = RandomLora("lin0");
        using var peft = PeftModel.Create(model, config);
        peft.MergeAdapter();

        using (peft.DisableAdapter())
        {
            Assert.False(peft.IsMerged);
            ModelState.AssertClose(original, model.call(x), 1e-5, "disabled output");
        }
    }

    [Fact]
    public void LoadAdapter_ShapeMismatch_NamesKeyAndBothShapesAndLeavesModelUnchanged()
    {
        using var scope = NewDisposeScope();
        using (var source = new NamedModuleTree(new[] { ("enc.query", 8L, 8L) }))
        using (var saved = PeftModel.Create(source, Lora("query")))
        {
            saved.SaveAdapter(_directory);
        }

        using var target = new NamedModuleTree(new[] { ("enc.query", 8L, 6L) });
        using var peft = PeftModel.Create(target, Lora("query"), "existing");
        var error = Assert.Throws<InvalidDataException>(() => peft.LoadAdapter(_directory, "loaded"));

        Assert.Contains("base_model.model.enc.query.lora_A.weight", error.Message);
        Assert.Contains("[4, 8]", error.Message);
        Assert.Contains("[4, 6]", error.Message);
        Assert.Equal(new[] { "existing" }, peft.AdapterNames);
    }

    [Fact]
    public void FromPretrained_AdapterForOtherModuleNames_SaysItDoesNotFit()
    {
        using (var source = new NamedModuleTree(new[] { ("enc.q_proj", 8L, 8L) }))
        using (var saved = PeftModel.Create(source, Lora("q_proj")))
        {
            saved.SaveAdapter(_directory);
        }

        using var model = new TinyMlp();
        var error = Assert.Throws<InvalidDataException>(() => PeftModel.FromPretrained(model, _directory));
        Assert.Contains("does not fit the model", error.Message);
        Assert.Contains("q_proj", error.Message);
    }

    [Fact]
    public void LoadAdapter_PickleOnly_ExplainsHowToConvert()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "adapter_model.bin"), "not read");
        using var model = new TinyMlp();
        var error = Assert.Throws<NotSupportedException>(() => PeftModel.FromPretrained(model, _directory));
        Assert.Contains("safe_serialization", error.Message);
    }

    [Fact]
    public void SaveAdapter_NonDefaultAdapters_GoToSubfolders()
    {
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, Lora("lin0"));
        peft.AddAdapter("other", Lora("lin1"));
        peft.SaveAdapter(_directory);

        Assert.True(File.Exists(Path.Combine(_directory, PeftModel.AdapterWeightsFileName)));
        Assert.True(File.Exists(Path.Combine(_directory, "other", PeftModel.AdapterConfigFileName)));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData(LoraInitialization.PiSSA, false)]
    [InlineData(LoraInitialization.OLoRA, false)]
    [InlineData(LoraInitialization.PiSSA, true)]
    public void SaveAdapter_ConvertToOriginalBase_GivesPlainLoraThatFitsTheUntouchedBase(LoraInitialization initialization, bool useRsLora)
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        model.eval();
        var x = TinyMlp.Input();
        var original = ModelState.Snapshot(model);
        var config = Lora("lin0", "lin1");
        config.Initialization = initialization;
        config.UseRsLora = useRsLora;
        config.RankPattern = new Dictionary<string, int> { ["lin1"] = 2 };
        using var peft = PeftModel.Create(model, config);
        using (no_grad())
        {
            foreach (var parameter in peft.GetTrainableParameters())
            {
                parameter.add_(randn(parameter.shape) * 0.1);
            }
        }

        var expected = model.call(x);
        peft.SaveAdapter(_directory, convertToOriginalBase: true);

        var saved = (LoraConfig)AdapterConfigJson.Read(Path.Combine(_directory, PeftModel.AdapterConfigFileName));
        Assert.Equal(LoraInitialization.Default, saved.Initialization);
        Assert.Equal(8, saved.Rank);
        Assert.Equal(4, saved.RankPattern["lin1"]);
        Assert.Equal(useRsLora ? 8 * Math.Sqrt(2) : 16, saved.Alpha, 10);
        using var fresh = new TinyMlp();
        ModelState.Restore(fresh, original);
        fresh.eval();
        using var loaded = PeftModel.FromPretrained(fresh, _directory);
        ModelState.AssertClose(expected, fresh.call(x), 1e-4, "converted adapter on the original base");
        ModelState.Dispose(original);
    }

    [Fact]
    public void To_SameDevice_WhileMerged_KeepsOutputsAndUnmergeState()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        model.eval();
        var x = TinyMlp.Input();
        var config = Lora("lin0", "lin1");
        config.Initialization = LoraInitialization.PiSSA;
        using var peft = PeftModel.Create(model, config);
        var unmerged = model.call(x);
        peft.MergeAdapter();

        peft.To(CPU);

        ModelState.AssertClose(unmerged, model.call(x), 1e-4, "merged output after To");
        peft.UnmergeAdapter();
        ModelState.AssertClose(unmerged, model.call(x), 1e-4, "unmerged output after To");
        peft.SaveAdapter(_directory, convertToOriginalBase: true);
        Assert.True(File.Exists(Path.Combine(_directory, PeftModel.AdapterWeightsFileName)));
    }

    private static LoraConfig Lora(params string[] targets) => new() { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames(targets) };

    // Random A and B, so the adapter changes the output from the start.
    private static LoraConfig RandomLora(params string[] targets)
    {
        var config = Lora(targets);
        config.Initialization = LoraInitialization.Random;
        return config;
    }
}
