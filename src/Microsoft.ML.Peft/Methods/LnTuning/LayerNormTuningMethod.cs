// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LnTuning;

/// <summary>Registration of LayerNorm tuning: PEFT's <c>LN_TUNING</c> type, prefix <c>ln_tuning_</c>.</summary>
internal sealed class LayerNormTuningMethod : PeftMethod
{
    internal const string PeftTypeName = "LN_TUNING";

    // PEFT's TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING has no entry for these encoders. The defaults are every
    // LayerNorm of the encoder, the embeddings' one included, as PEFT's mapping does for the models it lists (BLIP-2's
    // "LayerNorm", GPT-2's ln_1, ln_2 and ln_f): tuning all of them is the method of the LN-tuning paper.
    private static readonly Dictionary<string, string[]> s_defaults = new(StringComparer.Ordinal)
    {
        ["bert"] = new[] { "LayerNorm" },
        ["roberta"] = new[] { "LayerNorm" },
        ["distilbert"] = new[] { "LayerNorm", "sa_layer_norm", "output_layer_norm" },
    };

    private static readonly string[] s_absentSharedFields = { "layers_to_transform", "layers_pattern" };

    internal LayerNormTuningMethod()
    {
        // A LayerNorm without affine weights has nothing to tune.
        RegisterLayer<LayerNorm>((path, norm) => new LayerNormTuningLayer(path, norm), norm => norm.elementwise_affine, "with elementwise affine weights");

        // PEFT's LN tuning copies whatever module it targets; for a convolutional network that is its BatchNorm layers.
        RegisterLayer<BatchNorm2d>((path, norm) => new BatchNormTuningLayer(path, norm), norm => norm.weight is not null, "with affine weights");
    }

    internal override string Name => "ln_tuning";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "ln_tuning_";

    internal override Type ConfigType => typeof(LayerNormTuningConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => Array.Empty<ConfigJsonField>();

    internal override IReadOnlyCollection<string> AbsentSharedFields => s_absentSharedFields;

    internal override PeftConfig CreateConfig() => new LayerNormTuningConfig();

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config)
    {
        switch (layer)
        {
            case LayerNormTuningLayer norm:
                norm.AddAdapter(adapterName);
                break;
            case BatchNormTuningLayer norm:
                norm.AddAdapter(adapterName);
                break;
            default:
                throw new ArgumentException($"LN tuning has no layer of type {layer.GetType().Name}.", nameof(layer));
        }
    }

    internal override IReadOnlyList<string>? DefaultTargetModules(string modelType) =>
        s_defaults.TryGetValue(modelType, out var names) ? names : null;
}
