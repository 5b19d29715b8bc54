// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Backbones.Bert;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.IA3;

/// <summary>(IA)³ with PEFT's BERT defaults on real BERT module trees: which modules are feed-forward, counts, defaults.</summary>
public sealed class IA3BertTests
{
    [Fact]
    public void IA3_BertDefaults_TreatBothOutputDenseModulesAsFeedforward()
    {
        using var scope = NewDisposeScope();
        using var model = new BertModel(Config(hidden: 32, layers: 2, intermediate: 64));
        using var peft = PeftModel.Create(model, BertDefaults());

        var shapes = peft.NamedTrainableParameters().ToDictionary(p => p.Name, p => p.Parameter.shape);

        // key and value scale their outputs; attention.output.dense (PEFT's endswith quirk) and output.dense scale their inputs.
        Assert.Equal(new long[] { 32, 1 }, shapes["base_model.model.encoder.layer.0.attention.self.key.ia3_l.default"]);
        Assert.Equal(new long[] { 32, 1 }, shapes["base_model.model.encoder.layer.1.attention.self.value.ia3_l.default"]);
        Assert.Equal(new long[] { 1, 32 }, shapes["base_model.model.encoder.layer.0.attention.output.dense.ia3_l.default"]);
        Assert.Equal(new long[] { 1, 64 }, shapes["base_model.model.encoder.layer.1.output.dense.ia3_l.default"]);
        Assert.Equal(2 * 4, shapes.Count);
        Assert.DoesNotContain(shapes.Keys, k => k.Contains("intermediate", StringComparison.Ordinal) || k.Contains("pooler", StringComparison.Ordinal));
    }

    [Fact]
    public void IA3_BertDefaults_OnBertBaseShape_Train64512Parameters()
    {
        // The spec's count: 12 layers · (key 768 + value 768 + attention.output.dense 768 + output.dense 3072). The model is
        // built on the meta device, so no weight memory is allocated.
        var previous = get_default_device();
        set_default_device(META);
        try
        {
            using var model = new BertModel(Config(hidden: 768, layers: 12, intermediate: 3072, heads: 12, vocab: 30522, positions: 512));
            using var peft = PeftModel.Create(model, BertDefaults());

            Assert.Equal(64_512, peft.GetTrainableParameterReport().TrainableParameters);
            Assert.Equal(12 * (768 + 768 + 768 + 3072), peft.GetTrainableParameterReport().TrainableParameters);
        }
        finally
        {
            set_default_device(previous);
        }
    }

    [Fact]
    public void IA3_SaveAdapter_WritesIa3LKeysWithoutTheAdapterName()
    {
        using var scope = NewDisposeScope();
        string directory = Path.Combine(Path.GetTempPath(), "peft-ia3-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = new BertModel(Config(hidden: 32, layers: 1, intermediate: 64));
            using var peft = PeftModel.Create(model, BertDefaults());
            peft.SaveAdapter(directory);

            var keys = Microsoft.ML.Peft.Formats.SafeTensors.SafeTensorsFile.Read(Path.Combine(directory, PeftModel.AdapterWeightsFileName)).Keys.Order(StringComparer.Ordinal);
            Assert.Equal(
                new[]
                {
                    "base_model.model.encoder.layer.0.attention.output.dense.ia3_l",
                    "base_model.model.encoder.layer.0.attention.self.key.ia3_l",
                    "base_model.model.encoder.layer.0.attention.self.value.ia3_l",
                    "base_model.model.encoder.layer.0.output.dense.ia3_l",
                },
                keys);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("bert", new[] { "key", "value", "output.dense" }, new[] { "output.dense" })]
    [InlineData("roberta", new[] { "key", "value", "output.dense" }, new[] { "output.dense" })]
    [InlineData("distilbert", new[] { "k_lin", "v_lin", "lin2" }, new[] { "lin2" })]
    public void CompleteForModelType_NothingSet_FillsPeftDefaultTargetsAndFeedforwardModules(string modelType, string[] targets, string[] feedforward)
    {
        var config = new IA3Config();

        PeftMethodRegistry.ForConfig(config).CompleteForModelType(config, modelType);

        Assert.Equal(ModuleSelector.FromNames(targets), config.TargetModules);
        Assert.Equal(ModuleSelector.FromNames(feedforward), config.FeedforwardModules);
        config.Validate();
    }

    [Fact]
    public void CompleteForModelType_UserTargets_KeepsThemAndOnlyDefaultFeedforwardNamesAmongThem()
    {
        var attentionOnly = new IA3Config { TargetModules = ModuleSelector.FromNames("query", "value") };
        var withOutput = new IA3Config { TargetModules = ModuleSelector.FromNames("value", "output.dense") };
        var userFeedforward = new IA3Config { TargetModules = ModuleSelector.FromNames("key", "intermediate.dense"), FeedforwardModules = ModuleSelector.FromNames("intermediate.dense") };
        var method = PeftMethodRegistry.ForConfig(attentionOnly);

        foreach (var config in new[] { attentionOnly, withOutput, userFeedforward })
        {
            method.CompleteForModelType(config, "bert");
            config.Validate();
        }

        Assert.Equal(ModuleSelector.FromNames("query", "value"), attentionOnly.TargetModules);
        Assert.Null(attentionOnly.FeedforwardModules);
        Assert.Equal(ModuleSelector.FromNames("output.dense"), withOutput.FeedforwardModules);
        Assert.Equal(ModuleSelector.FromNames("intermediate.dense"), userFeedforward.FeedforwardModules);
    }

    private static IA3Config BertDefaults()
    {
        var config = new IA3Config();
        PeftMethodRegistry.ForConfig(config).CompleteForModelType(config, "bert");
        return config;
    }

    private static BertConfig Config(int hidden, int layers, int intermediate, int heads = 4, int vocab = 40, int positions = 32) =>
        new(vocab, hidden, layers, heads, intermediate, positions, 2, 1e-12, 0.1, 0.1, "gelu", 0);
}
