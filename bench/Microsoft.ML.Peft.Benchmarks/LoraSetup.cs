// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>The LoRA configuration under test: rank r and alpha on query/value, the classifier head (and any untrained encoder module) trained in full.</summary>
internal static class LoraSetup
{
    internal static PeftModel Create(BertForSequenceClassification network, BenchmarkBackbone backbone, BenchmarkOptions options) =>
        PeftModel.Create(network, new LoraConfig
        {
            Rank = options.Rank,
            Alpha = options.Alpha,
            Dropout = options.LoraDropout,
            TargetModules = ModuleSelector.FromNames("query", "value"),
            ModulesToSave = new[] { "classifier" }.Concat(backbone.UntrainedModules).ToArray(),
        });
}
