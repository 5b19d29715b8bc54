// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The PaCA-vs-LoRA memory comparison: LoRA rank r against PaCA rank 2r, which trains exactly as many parameters
/// (r·(d_in + d_out) per LoRA target against 2r·d_out per PaCA target, equal in total for both target sets below).
/// LoRA dropout is 0 (PEFT's default) so that neither method keeps a dropout output for its backward pass.
/// </summary>
internal static class PacaSetup
{
    internal const string LoraAttention = "lora-qv";
    internal const string PacaAttention = "paca-qv";
    internal const string LoraAllLinear = "lora-all";
    internal const string PacaAllLinear = "paca-all";

    internal static IReadOnlyList<string> Modes { get; } = new[] { LoraAttention, PacaAttention, LoraAllLinear, PacaAllLinear };

    internal static bool IsComparisonMode(string mode) => Modes.Contains(mode);

    /// <summary>Every linear of the encoder layers: query, key, value, attention.output.dense, intermediate.dense, output.dense.</summary>
    private static ModuleSelector AllEncoderLinears => ModuleSelector.FromRegex(@".*encoder\.layer\.\d+\..*(query|key|value|dense)");

    internal static PeftModel Create(BertForSequenceClassification network, BenchmarkBackbone backbone, BenchmarkOptions options, string mode)
    {
        var targets = mode is LoraAttention or PacaAttention ? ModuleSelector.FromNames("query", "value") : AllEncoderLinears;
        string[] modulesToSave = new[] { "classifier" }.Concat(backbone.UntrainedModules).ToArray();
        PeftConfig config = mode is LoraAttention or LoraAllLinear
            ? new LoraConfig { Rank = options.Rank, Alpha = options.Alpha, TargetModules = targets, ModulesToSave = modulesToSave }
            : new PacaConfig { Rank = 2 * options.Rank, Alpha = 2 * options.Alpha, TargetModules = targets, ModulesToSave = modulesToSave };
        return PeftModel.Create(network, config);
    }
}
