// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.Backbones.Vit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Vit;

/// <summary>
/// Parity with Python on the interop fixtures that transformers 5.17 and PEFT 0.21 wrote: a random
/// <c>ViTForImageClassification</c> (3 classes, no <c>preprocessor_config.json</c>) and a LoRA adapter on it whose keys use
/// transformers 5's in-memory names (<c>vit.layers.N.attention.q_proj</c>), loaded onto this library's classic names as
/// written and rewritten with the classic names an adapter trained under transformers 4 carries; saved again, either gives
/// PEFT's own file back.
/// </summary>
public sealed class ViTFixtureTests : IDisposable
{
    private const string ModelFixture = "peft-interop/vision/tiny-vit";
    private const string AdapterFixture = "peft-interop/vision/tiny-vit-lora";
    private const double Tolerance = 1e-5;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-vit-fixture-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public ViTFixtureTests(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SharedFixtureFact(ModelFixture)]
    public void TinyVit_FromDirectory_ReproducesLogitsAndLastHiddenState()
    {
        using var scope = NewDisposeScope();
        var vision = OpenFixture();
        Assert.Equal("vit", vision.ModelType);

        // No preprocessor_config.json in the folder: ViTImageProcessor's defaults.
        Assert.Equal(ViTArchitecture.Instance.DefaultProcessorConfig, vision.CreateProcessor().Config);

        using var classifier = CreateClassifier(vision);
        var expected = Expected();
        using var noGrad = no_grad();
        var pixels = expected.Tensor("pixel_values");

        AssertClose(expected.Tensor("logits"), classifier.call(pixels), "logits");
        var states = ((ViTEncoder)classifier.Encoder).Encode(pixels);
        AssertClose(expected.Tensor("last_hidden_state"), states.LastHidden, "last hidden state before the final LayerNorm");
    }

    [SharedFixtureTheory(ModelFixture, AdapterFixture)]
    [InlineData(false)]
    [InlineData(true)]
    public void TinyVitLora_WithTransformers5OrClassicNames_LandsOnTheModulesAndReproducesTheLogits_UnmergedAndMerged(bool classicNames)
    {
        using var scope = NewDisposeScope();
        var vision = OpenFixture();
        using var classifier = CreateClassifier(vision);
        var expected = Expected();
        var pixels = expected.Tensor("pixel_values");
        string adapterFolder = classicNames ? WriteWithClassicNames(Path.Combine(_directory, "classic")) : FixturePath(AdapterFixture);

        using var peft = PeftModel.FromPretrained(classifier, adapterFolder);

        Assert.Equal(
            new[] { "vit.encoder.layer.0.attention.attention.query", "vit.encoder.layer.0.attention.attention.value", "vit.encoder.layer.1.attention.attention.query", "vit.encoder.layer.1.attention.attention.value" },
            peft.GetTargetModules("default"));
        var file = SafeTensorsFile.Read(Path.Combine(adapterFolder, PeftModel.AdapterWeightsFileName));
        var loaded = peft.GetAdapterStateDict("default");
        Assert.Equal(file.Count, loaded.Count);
        foreach (var (key, value) in file)
        {
            string classicKey = ClassicKey(key);
            Assert.True(ModelState.Identical(value, loaded[classicKey]), $"'{key}' did not land on '{classicKey}'");
        }

        using var noGrad = no_grad();
        var loraLogits = expected.Tensor("lora_logits");
        AssertClose(loraLogits, classifier.call(pixels), "LoRA logits, unmerged");
        peft.MergeAdapter();
        AssertClose(loraLogits, classifier.call(pixels), "LoRA logits, merged");
        peft.UnmergeAdapter();
        AssertClose(loraLogits, classifier.call(pixels), "LoRA logits, unmerged again");
    }

    [SharedFixtureTheory(ModelFixture, AdapterFixture)]
    [InlineData(false)]
    [InlineData(true)]
    public void TinyVitLora_Resaved_WritesTransformers5sNamesAsPeftDoes_AndLoadsBack(bool classicNames)
    {
        using var scope = NewDisposeScope();
        var vision = OpenFixture();
        var expected = Expected();
        var pixels = expected.Tensor("pixel_values");
        string source = classicNames ? WriteWithClassicNames(Path.Combine(_directory, "classic")) : FixturePath(AdapterFixture);
        string resaved = Path.Combine(_directory, "resaved");
        using (var classifier = CreateClassifier(vision))
        using (var peft = PeftModel.FromPretrained(classifier, source))
        {
            peft.SaveAdapter(resaved);
        }

        // Exactly the fixture's file, as PEFT 0.21 wrote it from transformers 5.17's ViTForImageClassification.
        var fixture = SafeTensorsFile.Read(Path.Combine(FixturePath(AdapterFixture), PeftModel.AdapterWeightsFileName));
        var written = SafeTensorsFile.Read(Path.Combine(resaved, PeftModel.AdapterWeightsFileName));
        Assert.Equal(fixture.Keys.Order(StringComparer.Ordinal), written.Keys.Order(StringComparer.Ordinal));
        Assert.All(fixture, p => Assert.True(ModelState.Identical(p.Value, written[p.Key]), $"'{p.Key}' changed"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(resaved, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal(new[] { "q_proj", "v_proj" }, config["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "classifier" }, config["modules_to_save"]!.AsArray().Select(t => t!.GetValue<string>()));

        using var again = CreateClassifier(vision);
        using var reloaded = PeftModel.FromPretrained(again, resaved);
        using var noGrad = no_grad();
        AssertClose(expected.Tensor("lora_logits"), again.call(pixels), "LoRA logits after a save and a reload");
    }

    // The fixture adapter as an adapter trained under transformers 4 would be: classic key names and target_modules.
    private static string WriteWithClassicNames(string folder)
    {
        Directory.CreateDirectory(folder);
        string fixture = FixturePath(AdapterFixture);
        var tensors = SafeTensorsFile.Read(Path.Combine(fixture, PeftModel.AdapterWeightsFileName));
        SafeTensorsFile.Write(
            Path.Combine(folder, PeftModel.AdapterWeightsFileName),
            tensors.Select(p => KeyValuePair.Create(ClassicKey(p.Key), p.Value)),
            new Dictionary<string, string> { ["format"] = "pt" });
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture, PeftModel.AdapterConfigFileName)))!.AsObject();
        config["target_modules"] = new JsonArray("query", "value");
        File.WriteAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName), config.ToJsonString());
        Assert.DoesNotContain(tensors.Keys.Select(ClassicKey), k => k.Contains(".layers.", StringComparison.Ordinal) || k.Contains("_proj", StringComparison.Ordinal));
        return folder;
    }

    private static string ClassicKey(string key) => key
        .Replace(".vit.layers.", ".vit.encoder.layer.", StringComparison.Ordinal)
        .Replace(".attention.q_proj.", ".attention.attention.query.", StringComparison.Ordinal)
        .Replace(".attention.v_proj.", ".attention.attention.value.", StringComparison.Ordinal);

    private static VisionBackbone OpenFixture() => PretrainedModel.FromDirectory(FixturePath(ModelFixture)).AsVision("test");

    private static string FixturePath(string relativePath) => SharedFixtures.Path(relativePath.Split('/'));

    private void AssertClose(Tensor expected, Tensor actual, string because)
    {
        _output.WriteLine($"{because}: max |difference| {ModelState.MaxAbsDifference(expected, actual):G3}");
        ModelState.AssertClose(expected, actual, Tolerance, because);
    }

    // ViTForImageClassification with 3 classes, the checkpoint's classifier loaded as well, in evaluation mode.
    private static ImageClassifierModel CreateClassifier(VisionBackbone vision)
    {
        var classifier = vision.Architecture.CreateImageClassifier(vision.CreateEncoder(), classCount: 3);
        Assert.True(vision.TryLoadImageClassifierHead(classifier), "the fixture is a ViTForImageClassification checkpoint with a classifier");
        classifier.eval();
        return classifier;
    }

    private static ExpectedJson Expected() => new(FixtureJson.Read(ModelFixture + "/expected.json"));

    private sealed class ExpectedJson(JsonObject json)
    {
        internal Tensor Tensor(string name) => FixtureJson.Tensor(json[name]!);
    }
}
