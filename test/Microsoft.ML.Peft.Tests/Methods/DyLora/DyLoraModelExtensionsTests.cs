// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Methods.DyLora;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.DyLora;

/// <summary>Choosing, merging, saving and searching DyLoRA ranks on a whole model.</summary>
public sealed class DyLoraModelExtensionsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-dylora-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void MergeAdapter_AtChosenRank_AddsThatRanksUpdateAndUnmergeRestores()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, Config());
        var layer = peft.TunerLayers.OfType<DyLoraLinear>().Single(l => l.ModulePath == "lin1");
        DyLoraLinearTests.RandomizeB(layer);
        var weight = model.named_parameters().Single(p => p.name == "lin1.weight").parameter;
        var original = weight.detach().clone();

        peft.SetDyLoraRank(2);
        peft.MergeAdapter();
        var expected = original + (8.0 / 2) * layer.B("default").weight.narrow(1, 0, 2).matmul(layer.A("default").weight.narrow(0, 0, 2));
        ModelState.AssertClose(expected, weight, 1e-5, "W + (α/2)·B[:, :2]·A[:2]");

        var ex = Assert.Throws<InvalidOperationException>(() => peft.SetDyLoraRank(3));
        Assert.Contains(nameof(PeftModel.UnmergeAdapter), ex.Message, StringComparison.Ordinal);
        peft.UnmergeAdapter();
        ModelState.AssertClose(original, weight, 1e-6, "base weight after unmerge");
    }

    [Fact]
    public void EvaluateDyLoraRanks_EveryRank_MatchesSettingTheRankAndRestoresIt()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, Config());
        foreach (var layer in peft.TunerLayers.OfType<DyLoraLinear>())
        {
            DyLoraLinearTests.RandomizeB(layer);
        }

        var x = TinyMlp.Input();
        model.eval();
        peft.SetDyLoraRank(3);
        double Metric(int rank) => model.call(x).abs().sum().item<float>();

        var results = peft.EvaluateDyLoraRanks(Metric);

        Assert.Equal(new[] { 1, 2, 3, 4 }, results.Keys);
        Assert.Equal(3, peft.GetDyLoraRank());
        for (int rank = 1; rank <= 4; rank++)
        {
            peft.SetDyLoraRank(rank);
            Assert.Equal(Metric(rank), results[rank], 5);
        }

        Assert.Equal(4, results.Values.Distinct().Count());
    }

    [Fact]
    public void SaveAdapter_AfterChoosingARank_WritesLoraShapedKeysAndTheRank()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, Config());
        Assert.Equal((4 * (10 + 20)) + (4 * (20 + 20)), peft.GetTrainableParameterReport().TrainableParameters);
        peft.SetDyLoraRank(2);
        peft.SaveAdapter(_directory);

        var tensors = SafeTensorsFile.Read(Path.Combine(_directory, PeftModel.AdapterWeightsFileName));
        Assert.Equal(
            new[] { "base_model.model.lin0.dylora_A.weight", "base_model.model.lin0.dylora_B.weight", "base_model.model.lin1.dylora_A.weight", "base_model.model.lin1.dylora_B.weight" },
            tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 4, 10 }, tensors["base_model.model.lin0.dylora_A.weight"].shape);
        Assert.Equal(new long[] { 20, 4 }, tensors["base_model.model.lin0.dylora_B.weight"].shape);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal(("DYLORA", 4, 2), (json["peft_type"]!.GetValue<string>(), json["r"]!.GetValue<int>(), json["dylora_rank"]!.GetValue<int>()));

        using var fresh = new TinyMlp();
        using var loaded = PeftModel.FromPretrained(fresh, _directory);
        Assert.Equal(2, loaded.GetDyLoraRank());
    }

    [Fact]
    public void SetDyLoraRank_OnALoraAdapter_IsRefusedNamingTheType()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, new LoraConfig { TargetModules = ModuleSelector.FromNames("lin0") });
        var ex = Assert.Throws<ArgumentException>(() => peft.SetDyLoraRank(1));
        Assert.Contains("LORA", ex.Message, StringComparison.Ordinal);
    }

    private static DyLoraConfig Config() => new() { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("lin0", "lin1") };
}
