// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Tuning;

/// <summary>
/// One method × model combination of the shared behaviour matrix. Quirks of a method are data here
/// (tolerance, whether it is a no-op at init), never branches in the tests.
/// </summary>
public sealed record PeftMethodCase(
    string Name,
    Func<nn.Module<Tensor, Tensor>> CreateModel,
    Func<Tensor> CreateInput,
    Func<PeftConfig> CreateConfig,
    bool IsNoOpAtInit = true,
    bool TrainsBaseBiases = false,
    double Tolerance = 1e-5,
    double LearningRate = 1e-2,
    bool Merges = true)
{
    public override string ToString() => Name;
}

/// <summary>The single TheoryData of the matrix; every method and initialization joins it.</summary>
public static class PeftMethodCases
{
    public static TheoryData<PeftMethodCase> All => new()
    {
        Mlp("LoRA", () => Lora()),
        Mlp("LoRA gaussian init", () => Lora(c => c.Initialization = LoraInitialization.Gaussian)),
        Mlp("LoRA random init", () => Lora(c => c.Initialization = LoraInitialization.Random), isNoOp: false),
        Mlp("rsLoRA", () => Lora(c => { c.UseRsLora = true; c.Alpha = 16; })),
        Mlp("LoRA dropout", () => Lora(c => c.Dropout = 0.3)),
        Mlp("LoRA lora_bias", () => Lora(c => c.UseLoraBias = true)),
        Mlp("LoRA bias=all", () => Lora(c => c.Bias = LoraBiasMode.All)) with { TrainsBaseBiases = true },
        Mlp("LoRA bias=lora_only", () => Lora(c => c.Bias = LoraBiasMode.LoraOnly)) with { TrainsBaseBiases = true },
        Mlp("LoRA modules_to_save", () => Lora(c => c.ModulesToSave = new[] { "head" })),
        Mlp("LoRA all-linear", () => Lora(c => c.TargetModules = ModuleSelector.AllLinear)),
        Mlp("DoRA", () => Lora(c => c.UseDora = true)),
        Mlp("DoRA dropout", () => Lora(c => { c.UseDora = true; c.Dropout = 0.2; })),
        Mlp("PiSSA", () => Lora(c => c.Initialization = LoraInitialization.PiSSA), tolerance: 1e-4),
        Mlp("PiSSA randomized SVD", () => Lora(c => { c.Initialization = LoraInitialization.PiSSA; c.PissaIterations = 4; }), tolerance: 1e-4),
        Mlp("OLoRA", () => Lora(c => c.Initialization = LoraInitialization.OLoRA), tolerance: 1e-4),
        Encoder("LoRA query,value", () => Lora(c => c.TargetModules = ModuleSelector.FromNames("query", "value"))),
        Encoder("LoRA regex, rank pattern", () => Lora(c =>
        {
            c.TargetModules = ModuleSelector.FromRegex(@".*\.layer\.\d+\.attention\.(query|key|value|dense)");
            c.RankPattern = new Dictionary<string, int> { [@"layer\.1\..*"] = 2 };
        })),
        Encoder("DoRA layer 1 only, classifier saved", () => Lora(c =>
        {
            c.UseDora = true;
            c.TargetModules = ModuleSelector.FromNames("query", "value", "intermediate");
            c.LayersToTransform = new[] { 1 };
            c.ModulesToSave = new[] { "classifier" };
        })),
        Embedding("LoRA embedding + linear", () => Lora(c => c.TargetModules = ModuleSelector.FromNames("embed", "proj"))),
        Embedding("DoRA embedding", () => Lora(c => { c.UseDora = true; c.TargetModules = ModuleSelector.FromNames("embed"); })),
        Mlp("PaCA", () => new PacaConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("lin0", "lin1") }),
        Mlp("Bottleneck Houlsby (bert init)", () => new BottleneckConfig { ReductionFactor = 4, TargetModules = ModuleSelector.FromNames("lin0", "lin1") }, isNoOp: false) with { Merges = false },
        Mlp("Bottleneck mam_adapter init", () => new BottleneckConfig { ReductionFactor = 4, NonLinearity = "relu", InitWeights = "mam_adapter", TargetModules = ModuleSelector.FromNames("lin0", "lin1") }) with { Merges = false },
        Encoder("Bottleneck parallel on dense,output", () =>
        {
            var config = BottleneckConfig.Parallel();
            config.TargetModules = ModuleSelector.FromNames("dense", "output");
            return config;
        }) with { Merges = false },
        Encoder("PaCA query,value,output", () => new PacaConfig { Rank = 3, Alpha = 6, TargetModules = ModuleSelector.FromNames("query", "value", "output") }),
    };

    private static LoraConfig Lora(Action<LoraConfig>? configure = null)
    {
        var config = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("lin0", "lin1") };
        configure?.Invoke(config);
        return config;
    }

    private static PeftMethodCase Mlp(string name, Func<PeftConfig> config, bool isNoOp = true, double tolerance = 1e-5) =>
        new($"{name} × MLP", () => new TinyMlp(), () => TinyMlp.Input(), config, IsNoOpAtInit: isNoOp, Tolerance: tolerance);

    private static PeftMethodCase Encoder(string name, Func<PeftConfig> config) =>
        new($"{name} × attention encoder", () => new TinyEncoder(), () => TinyEncoder.Input(), config);

    private static PeftMethodCase Embedding(string name, Func<PeftConfig> config) =>
        new($"{name} × embedding model", () => new TinyEmbeddingModel(), () => TinyEmbeddingModel.Input(), config);
}
