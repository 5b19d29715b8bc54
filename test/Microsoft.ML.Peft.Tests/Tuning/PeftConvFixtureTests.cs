// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Tuning;

/// <summary>
/// Adapters on Conv2d written by Python PEFT 0.21 (../shared/fixtures/peft-interop/vision/tiny-convnet), loaded through
/// <see cref="PeftModel.FromPretrained"/> onto the same tiny conv net built here, against the outputs PEFT computed.
/// </summary>
public sealed class PeftConvFixtureTests : IDisposable
{
    private const string Fixture = "peft-interop/vision/tiny-convnet";
    private const double Tolerance = 1e-5;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-conv-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public PeftConvFixtureTests(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SharedFixtureTheory(Fixture)]
    [InlineData("lora")]
    [InlineData("lokr")]
    [InlineData("lokr_effective")]
    [InlineData("loha")]
    [InlineData("loha_effective")]
    [InlineData("ia3")]
    public void FromPretrained_PeftConvAdapter_ReproducesPeftsOutputMergedAndUnmerged(string adapter)
    {
        using var scope = NewDisposeScope();
        var expected = Expected();
        using var model = BaseModel();
        var pixels = FixtureJson.Tensor(expected["pixel_values"]!);
        ModelState.AssertClose(FixtureJson.Tensor(expected["base"]!), Eval(model, pixels), Tolerance, "base output");
        var weightsBefore = ModelState.Snapshot(model);

        using var peft = PeftModel.FromPretrained(model, SharedFixtures.Path(Fixture, adapter));
        var adapted = Eval(model, pixels);
        var peftOutput = FixtureJson.Tensor(expected[adapter]!);
        _output.WriteLine($"{adapter}: max |output − PEFT's| = {ModelState.MaxAbsDifference(peftOutput, adapted):G3}");
        ModelState.AssertClose(peftOutput, adapted, Tolerance, $"{adapter} output");
        Assert.Equal(new[] { "conv1", "conv2" }, peft.GetTargetModules("default").Order());

        peft.MergeAdapter(safeMerge: true);
        var merged = Eval(model, pixels);
        _output.WriteLine($"{adapter}: max |merged − unmerged| = {ModelState.MaxAbsDifference(adapted, merged):G3}");
        ModelState.AssertClose(adapted, merged, Tolerance, $"{adapter} merged output");
        peft.UnmergeAdapter();
        ModelState.AssertClose(adapted, Eval(model, pixels), Tolerance, $"{adapter} unmerged output");
        var weightsAfter = model.state_dict();
        foreach (var (name, value) in weightsBefore)
        {
            ModelState.AssertClose(value, weightsAfter[name], Tolerance, $"base weight '{name}' after merge and unmerge");
        }

        ModelState.Dispose(weightsBefore);
    }

    [SharedFixtureTheory(Fixture)]
    [InlineData("lora")]
    [InlineData("lokr")]
    [InlineData("lokr_effective")]
    [InlineData("loha")]
    [InlineData("loha_effective")]
    [InlineData("ia3")]
    public void SaveAdapter_PeftConvAdapter_WritesTheKeysShapesAndFieldsPeftWrote(string adapter)
    {
        using var scope = NewDisposeScope();
        string folder = SharedFixtures.Path(Fixture, adapter);
        using var model = BaseModel();
        using (var peft = PeftModel.FromPretrained(model, folder))
        {
            peft.SaveAdapter(_directory);
        }

        var original = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var saved = SafeTensorsFile.Read(Path.Combine(_directory, PeftModel.AdapterWeightsFileName));
        Assert.Equal(original.Keys.Order(), saved.Keys.Order());
        foreach (var (key, value) in original)
        {
            Assert.True(ModelState.Identical(value, saved[key]), $"'{key}' changed on the round trip");
        }

        var originalConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!.AsObject();
        var savedConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, PeftModel.AdapterConfigFileName)))!.AsObject();
        foreach (string field in new[] { "peft_type", "target_modules", "use_effective_conv2d", "feedforward_modules", "r" })
        {
            Assert.True(
                JsonNode.DeepEquals(originalConfig[field], savedConfig[field]),
                $"`{field}`: {originalConfig[field]?.ToJsonString()} was written back as {savedConfig[field]?.ToJsonString()}");
        }

        // The saved folder loads again and gives PEFT's output.
        var expected = Expected();
        using var fresh = BaseModel();
        using var reloaded = PeftModel.FromPretrained(fresh, _directory);
        ModelState.AssertClose(FixtureJson.Tensor(expected[adapter]!), Eval(fresh, FixtureJson.Tensor(expected["pixel_values"]!)), Tolerance, "reloaded output");
    }

    [SharedFixtureTheory(Fixture)]
    [InlineData("lora", "base_model.model.conv1.lora_A.weight", "[4, 3, 3, 3]", "[4, 3, 5, 5]")]
    [InlineData("lokr", "base_model.model.conv1.lokr_w2", "[4, 3, 3, 3]", "[4, 3, 5, 5]")]
    [InlineData("loha_effective", "base_model.model.conv1.hada_t1", "[4, 4, 3, 3]", "[4, 4, 5, 5]")]
    [InlineData("loha", "base_model.model.conv1.hada_w1_b", "[4, 27]", "[4, 75]")]
    public void FromPretrained_KernelOfAnotherSize_NamesKeyAndShapesAndLeavesTheModelUnchanged(string adapter, string key, string inFile, string inModel)
    {
        using var scope = NewDisposeScope();
        using var model = new TinyConvNet(conv1Kernel: 5);
        var input = TinyConvNet.Input();
        var before = Eval(model, input);

        var error = Assert.Throws<InvalidDataException>(() => PeftModel.FromPretrained(model, SharedFixtures.Path(Fixture, adapter)));

        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{inFile} in the file but {inModel} in the model", error.Message, StringComparison.Ordinal);
        Assert.True(ModelState.Identical(before, Eval(model, input)), "a failed load left an adapter on the model");
        Assert.All(model.named_parameters(), p => Assert.DoesNotContain("default", p.name, StringComparison.Ordinal));
    }

    private static JsonObject Expected() =>
        JsonNode.Parse(File.ReadAllText(SharedFixtures.Path(Fixture, "expected.json")))!.AsObject();

    private static TinyConvNet BaseModel()
    {
        var model = new TinyConvNet();
        var weights = SafeTensorsFile.Read(SharedFixtures.Path(Fixture, "model.safetensors"));
        Assert.Equal(model.state_dict().Keys.Order(), weights.Keys.Order());
        ModelState.Restore(model, weights);
        ModelState.Dispose(weights);
        return model;
    }

    private static Tensor Eval(TinyConvNet model, Tensor input)
    {
        model.eval();
        using var noGrad = no_grad();
        return model.call(input);
    }
}
