// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Tuning;

/// <summary>
/// Real adapters written by Hugging Face PEFT (../shared/fixtures/peft-adapters), loaded onto module trees with
/// their base models' module names and shapes (random base weights).
/// </summary>
public sealed class PeftAdapterFixtureTests : IDisposable
{
    private const string Bert = "bert-base-uncased-seqcls-lora";
    private const string DistilBertEmotion = "distilbert-emotion-lora";
    private const string DistilBertImdb = "distilbert-imdb-lora";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-fixtures-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SharedFixtureTheory("peft-adapters")]
    [InlineData(Bert)]
    [InlineData(DistilBertEmotion)]
    [InlineData(DistilBertImdb)]
    public void FromPretrained_RealPeftAdapter_EveryKeyLandsWithItsValue(string adapter)
    {
        using var scope = NewDisposeScope();
        string folder = SharedFixtures.Path("peft-adapters", adapter);
        using var model = BaseModelFor(adapter);
        using var peft = PeftModel.FromPretrained(model, folder);
        var file = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var loaded = peft.GetAdapterStateDict("default");

        Assert.Equal(file.Keys.Order(), loaded.Keys.Order());
        foreach (var (key, value) in file)
        {
            Assert.True(value.eq(loaded[key]).all().item<bool>(), $"'{key}' differs from the file");
        }

        // The heads in modules_to_save are live in the model, as PEFT activates them.
        Assert.True(file["base_model.model.classifier.weight"].eq(model.Linear("classifier").weight).all().item<bool>());
        Assert.Empty(peft.GetTrainableParameters());
    }

    [SharedFixtureTheory("peft-adapters")]
    [InlineData(Bert, 32.0 / 8)]
    [InlineData(DistilBertEmotion, 16.0 / 8)]
    [InlineData(DistilBertImdb, 16.0 / 8)]
    public void MergeAdapter_RealPeftAdapter_GivesBasePlusScaledProduct(string adapter, double scaling)
    {
        using var scope = NewDisposeScope();
        string folder = SharedFixtures.Path("peft-adapters", adapter);
        using var model = BaseModelFor(adapter);
        var original = ModelState.Snapshot(model);
        using var peft = PeftModel.FromPretrained(model, folder);
        var file = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));

        peft.MergeAdapter(safeMerge: true);

        var targets = peft.GetTargetModules("default");
        Assert.Equal(file.Keys.Count(k => k.EndsWith("lora_A.weight", StringComparison.Ordinal)), targets.Count);
        foreach (string target in targets)
        {
            var a = file[$"base_model.model.{target}.lora_A.weight"];
            var b = file[$"base_model.model.{target}.lora_B.weight"];
            var expected = original[target + ".weight"] + scaling * b.matmul(a);
            ModelState.AssertClose(expected, model.Linear(target).weight, 1e-5, $"merged weight of '{target}'");
        }

        ModelState.Dispose(original);
    }

    [SharedFixtureTheory("peft-adapters")]
    [InlineData(Bert)]
    [InlineData(DistilBertEmotion)]
    [InlineData(DistilBertImdb)]
    public void SaveAdapter_AfterLoadingRealAdapter_WritesTheSameTensorsAndConfig(string adapter)
    {
        using var scope = NewDisposeScope();
        string folder = SharedFixtures.Path("peft-adapters", adapter);
        using var model = BaseModelFor(adapter);
        using var peft = PeftModel.FromPretrained(model, folder);

        peft.SaveAdapter(_directory);

        var original = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var resaved = SafeTensorsFile.Read(Path.Combine(_directory, PeftModel.AdapterWeightsFileName));
        Assert.Equal(original.Keys.Order(), resaved.Keys.Order());
        foreach (var (key, value) in original)
        {
            Assert.Equal(value.shape, resaved[key].shape);
            Assert.True(value.eq(resaved[key]).all().item<bool>(), $"'{key}' changed in the round trip");
        }

        SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out var metadata);
        Assert.Equal("pt", metadata["format"]);
        var originalConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)));
        var resavedConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, PeftModel.AdapterConfigFileName)));
        Assert.True(JsonNode.DeepEquals(originalConfig, resavedConfig), $"config changed:\n{resavedConfig}");
    }

    [SharedFixtureFact("peft-adapters/" + Bert)]
    public void FromPretrained_RealAdapterOnModelOfOtherWidth_NamesKeyAndBothShapes()
    {
        using var model = BertTree(hidden: 512, labels: 2);
        var error = Assert.Throws<InvalidDataException>(() => PeftModel.FromPretrained(model, SharedFixtures.Path("peft-adapters", Bert)));

        Assert.Contains("shape [", error.Message);
        Assert.Contains("768", error.Message);
        Assert.Contains("512", error.Message);
        Assert.Contains("base_model.model.", error.Message);
    }

    [SharedFixtureFact("peft-adapters/configs-only/xlmr-dora-seqcls")]
    public void DoraConfigFromPeft_DrivesInjection_AndSavesMagnitudeUnderPeftsKey()
    {
        using var scope = NewDisposeScope();
        var config = AdapterConfigJson.Read(SharedFixtures.Path("peft-adapters", "configs-only", "xlmr-dora-seqcls", PeftModel.AdapterConfigFileName));
        using var model = new NamedModuleTree(Enumerable.Range(0, 12)
            .SelectMany(i => new[] { "query", "key", "value" }.Select(n => ($"roberta.encoder.layer.{i}.attention.self.{n}", 32L, 32L)))
            .Append(("classifier.dense", 32L, 32L))
            .Append(("classifier.out_proj", 3L, 32L)));
        using var peft = PeftModel.Create(model, config);
        peft.SaveAdapter(_directory);

        var keys = SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name).ToHashSet();
        Assert.Contains("base_model.model.roberta.encoder.layer.0.attention.self.query.lora_magnitude_vector", keys);
        Assert.Contains("base_model.model.roberta.encoder.layer.11.attention.self.value.lora_B.weight", keys);
        Assert.Contains("base_model.model.classifier.out_proj.weight", keys);
        Assert.DoesNotContain(keys, k => k.Contains(".key.", StringComparison.Ordinal) || k.Contains("default", StringComparison.Ordinal));
        Assert.Equal(12 * 2 * 3 + 4, keys.Count);
    }

    private static NamedModuleTree BaseModelFor(string adapter) => adapter switch
    {
        Bert => BertTree(hidden: 768, labels: 2),
        DistilBertEmotion => DistilBertTree(labels: 6),
        _ => DistilBertTree(labels: 2),
    };

    // bert-base-uncased: the attention projections of 12 layers (key and output.dense must not be targeted) and the head.
    private static NamedModuleTree BertTree(long hidden, long labels) => new(Enumerable.Range(0, 12)
        .SelectMany(i => new[] { "self.query", "self.key", "self.value", "output.dense" }
            .Select(n => ($"bert.encoder.layer.{i}.attention.{n}", hidden, hidden)))
        .Append(("bert.pooler.dense", hidden, hidden))
        .Append(("classifier", labels, hidden)));

    // distilbert-base-uncased: 6 layers of q_lin/k_lin/v_lin/out_lin, pre_classifier and classifier.
    private static NamedModuleTree DistilBertTree(long labels) => new(Enumerable.Range(0, 6)
        .SelectMany(i => new[] { "q_lin", "k_lin", "v_lin", "out_lin" }
            .Select(n => ($"distilbert.transformer.layer.{i}.attention.{n}", 768L, 768L)))
        .Append(("pre_classifier", 768L, 768L))
        .Append(("classifier", labels, 768L)));
}
