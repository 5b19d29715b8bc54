// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.LnTuning;

/// <summary>LayerNormTuningConfig: PEFT's fields, validation, defaults per architecture, and saved key names.</summary>
public sealed class LayerNormTuningConfigTests
{
    // Every field of PEFT's LNTuningConfig dataclass (src/peft/tuners/ln_tuning/config.py) and of its base PeftConfig
    // (src/peft/config.py: PeftConfigMixin and PeftConfig); a written file may hold no other key.
    private static readonly string[] s_peftFields =
    {
        "auto_mapping", "base_model_name_or_path", "exclude_modules", "inference_mode", "modules_to_save", "peft_type", "peft_version",
        "revision", "target_modules", "task_type",
    };

    [Fact]
    public void LayerNormTuningConfig_ToJson_WritesOnlyPeftFieldsAndRoundTrips()
    {
        var config = new LayerNormTuningConfig
        {
            TargetModules = ModuleSelector.FromNames("LayerNorm"),
            ExcludeModules = ModuleSelector.FromRegex(".*embeddings.*"),
            ModulesToSave = new[] { "classifier" },
            TaskType = "SEQ_CLS",
        };

        var json = AdapterConfigJson.ToJson(config);
        var parsed = Assert.IsType<LayerNormTuningConfig>(AdapterConfigJson.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject(), "ln.json"));

        Assert.Empty(json.Select(p => p.Key).Except(s_peftFields));
        Assert.Equal("\"LN_TUNING\"", json["peft_type"]!.ToJsonString());
        Assert.Equal(config.TargetModules, parsed.TargetModules);
        Assert.Equal(config.ExcludeModules, parsed.ExcludeModules);
        Assert.Equal(config.ModulesToSave, parsed.ModulesToSave);
        Assert.Equal("SEQ_CLS", parsed.TaskType);
    }

    [Fact]
    public void LayerNormTuningConfig_AllLinearOrLayersToTransform_AreRefusedNamingTheOption()
    {
        var allLinear = Assert.Throws<ArgumentException>(new LayerNormTuningConfig { TargetModules = ModuleSelector.AllLinear }.Validate);
        Assert.Equal(nameof(PeftConfig.TargetModules), allLinear.ParamName);
        Assert.Contains("LayerNorm", allLinear.Message, StringComparison.Ordinal);

        var layers = Assert.Throws<ArgumentException>(new LayerNormTuningConfig { LayersToTransform = new[] { 0 } }.Validate);
        Assert.Contains("not LN tuning options in PEFT", layers.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LayerNormTuning_TargetIsNotALayerNorm_NamesTheModuleAndTheSupportedType()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyEncoder();

        var ex = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, new LayerNormTuningConfig { TargetModules = ModuleSelector.FromNames("query") }));

        Assert.Contains("encoder.layer.0.attention.query", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TorchSharp.Modules.LayerNorm", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bert", new[] { "LayerNorm" })]
    [InlineData("roberta", new[] { "LayerNorm" })]
    [InlineData("distilbert", new[] { "LayerNorm", "sa_layer_norm", "output_layer_norm" })]
    public void CompleteForModelType_NoTargets_FillsEveryLayerNormOfTheModelType(string modelType, string[] expected)
    {
        var config = new LayerNormTuningConfig();
        PeftMethodRegistry.ForConfig(config).CompleteForModelType(config, modelType);

        Assert.Equal(ModuleSelector.FromNames(expected), config.TargetModules);
    }

    [Fact]
    public void LayerNormTuning_BertDefaults_AdaptEveryLayerNormAndSaveLnTuningLayersKeys()
    {
        using var scope = NewDisposeScope();
        string directory = Path.Combine(Path.GetTempPath(), "peft-ln-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = new BertModel(new BertConfig(40, 32, 2, 4, 64, 32, 2, 1e-12, 0.1, 0.1, "gelu", 0));
            var config = new LayerNormTuningConfig();
            PeftMethodRegistry.ForConfig(config).CompleteForModelType(config, "bert");
            using var peft = PeftModel.Create(model, config);

            // The embeddings' LayerNorm plus two per layer, weight and bias of hidden size 32 each.
            Assert.Equal((1 + (2 * 2)) * 2 * 32, peft.GetTrainableParameterReport().TrainableParameters);
            Assert.Contains("encoder.layer.1.output.LayerNorm", peft.GetTargetModules("default"));
            Assert.Contains("embeddings.LayerNorm", peft.GetTargetModules("default"));

            peft.SaveAdapter(directory);
            var keys = SafeTensorsKeys(directory);
            Assert.Equal(5 * 2, keys.Count);
            Assert.Contains("base_model.model.embeddings.LayerNorm.ln_tuning_layers.weight", keys);
            Assert.Contains("base_model.model.encoder.layer.0.attention.output.LayerNorm.ln_tuning_layers.bias", keys);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static List<string> SafeTensorsKeys(string directory) =>
        Microsoft.ML.Peft.Formats.SafeTensors.SafeTensorsFile.Read(Path.Combine(directory, PeftModel.AdapterWeightsFileName)).Keys.ToList();
}
