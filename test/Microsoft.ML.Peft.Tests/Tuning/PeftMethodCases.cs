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
        Mlp("LoKr", () => LoKr()),
        Mlp("LoKr full factors", () => LoKr(c => c.Rank = 8)),
        Mlp("LoKr decompose_both", () => LoKr(c => { c.Rank = 1; c.DecomposeBoth = true; })),
        Mlp("LoKr decompose_factor", () => LoKr(c => c.DecomposeFactor = 2)),
        Mlp("LoKr lycoris init", () => LoKr(c => c.Initialization = LoKrInitialization.Lycoris)),
        Mlp("LoKr random init", () => LoKr(c => c.Initialization = LoKrInitialization.Random), isNoOp: false),
        Mlp("LoKr dropouts", () => LoKr(c => { c.RankDropout = 0.3; c.RankDropoutScale = true; c.ModuleDropout = 0.2; })),
        Encoder("LoKr query,value", () => LoKr(c => c.TargetModules = ModuleSelector.FromNames("query", "value"))),
        Encoder("LoKr rank and alpha patterns", () => LoKr(c =>
        {
            c.TargetModules = ModuleSelector.FromNames("query", "value", "intermediate");
            c.RankPattern = new Dictionary<string, int> { [@"layer\.1\..*"] = 1 };
            c.AlphaPattern = new Dictionary<string, double> { ["intermediate"] = 3 };
        })),
        Mlp("LoHa", () => LoHa()),
        Mlp("LoHa random init", () => LoHa(c => c.InitWeights = false), isNoOp: false),
        Mlp("LoHa dropouts", () => LoHa(c => { c.RankDropout = 0.3; c.ModuleDropout = 0.2; })),
        Encoder("LoHa query,value", () => LoHa(c => c.TargetModules = ModuleSelector.FromNames("query", "value"))),
        Encoder("LoHa rank and alpha patterns", () => LoHa(c =>
        {
            c.TargetModules = ModuleSelector.FromNames("query", "value", "intermediate");
            c.RankPattern = new Dictionary<string, int> { [@"layer\.1\..*"] = 1 };
            c.AlphaPattern = new Dictionary<string, double> { ["intermediate"] = 3 };
        })),
        Mlp("VeRA", () => Vera()),
        Mlp("VeRA dropout", () => Vera(c => c.Dropout = 0.3)),
        Mlp("VeRA init_weights=false", () => Vera(c => c.InitWeights = false), isNoOp: false),
        Mlp("VeRA save_projection=false", () => Vera(c => { c.SaveProjection = false; c.ProjectionPrngKey = 17; })),
        Mlp("VeRA modules_to_save", () => Vera(c => c.ModulesToSave = new[] { "head" })),
        Encoder("VeRA query,value", () => Vera(c => c.TargetModules = ModuleSelector.FromNames("query", "value"))),
        Encoder("VeRA all-linear", () => Vera(c => c.TargetModules = ModuleSelector.AllLinear)),
        Mlp("RandLoRA", () => RandLora()),
        Mlp("RandLoRA dropout", () => RandLora(c => c.Dropout = 0.3)),
        Mlp("RandLoRA sparse", () => RandLora(c => c.Sparse = true)),
        Mlp("RandLoRA very_sparse", () => RandLora(c => c.VerySparse = true)),
        Mlp("RandLoRA init_weights=false", () => RandLora(c => c.InitWeights = false), isNoOp: false),
        Mlp("RandLoRA save_projection=false", () => RandLora(c => { c.SaveProjection = false; c.ProjectionPrngKey = 17; })),
        Encoder("RandLoRA query,key,value,dense,intermediate", () => RandLora(c => c.TargetModules = ModuleSelector.FromNames("query", "key", "value", "dense", "intermediate"))),
        Mlp("singular-value tuning", () => new SingularValueTuningConfig { TargetModules = ModuleSelector.FromNames("lin0", "lin1") }),
        Mlp("singular-value tuning top half", () => new SingularValueTuningConfig { RankRatio = 0.5, TargetModules = ModuleSelector.FromNames("lin0", "lin1") }),
        Encoder("singular-value tuning query,value", () => new SingularValueTuningConfig { TargetModules = ModuleSelector.FromNames("query", "value") }),
        Mlp("LoLDU", () => new LoLduConfig { Rank = 4, TargetModules = ModuleSelector.FromNames("lin0", "lin1") }, tolerance: 1e-4),
        Mlp("LoLDU ones init, alpha 4", () => new LoLduConfig { Rank = 4, Alpha = 4, Initialization = LoLduInitialization.Ones, TargetModules = ModuleSelector.FromNames("lin0", "lin1") }, tolerance: 1e-4),
        Encoder("LoLDU query,value", () => new LoLduConfig { Rank = 4, TargetModules = ModuleSelector.FromNames("query", "value") }) with { Tolerance = 1e-4 },
        Mlp("DyLoRA", () => new DyLoraConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("lin0", "lin1") }),
        Mlp("DyLoRA frozen, dropout, eval rank 2", () => new DyLoraConfig
        {
            Rank = 4, Alpha = 8, FrozenLowerRanks = true, Dropout = 0.2, EvaluationRank = 2, TargetModules = ModuleSelector.FromNames("lin0", "lin1"),
        }),
        Encoder("DyLoRA query,value", () => new DyLoraConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("query", "value") }),
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
        // (IA)³ unmerge divides by l + 1e-8, as PEFT does: exact only up to rounding, which the matrix's weight check allows.
        Mlp("IA3 lin1 feed-forward", () => IA3(c => c.FeedforwardModules = ModuleSelector.FromNames("lin1"))),
        Mlp("IA3 random init", () => IA3(c => c.InitializeWeights = false), isNoOp: false),
        Encoder("IA3 key,value,output (output feed-forward)", () => IA3(c =>
        {
            c.TargetModules = ModuleSelector.FromNames("key", "value", "output");
            c.FeedforwardModules = ModuleSelector.FromNames("output");
        })),
        Encoder("IA3 regex, classifier saved", () => IA3(c =>
        {
            c.TargetModules = ModuleSelector.FromRegex(@".*\.layer\.1\.(attention\.dense|intermediate)");
            c.FeedforwardModules = ModuleSelector.FromRegex(@".*intermediate");
            c.ModulesToSave = new[] { "classifier" };
        })),
        Conv("LoRA", () => Lora(ConvTargets)),
        Conv("LoRA gaussian init", () => Lora(c => { ConvTargets(c); c.Initialization = LoraInitialization.Gaussian; })),
        Conv("rsLoRA, dropout", () => Lora(c => { ConvTargets(c); c.UseRsLora = true; c.Dropout = 0.2; })),
        Conv("LoRA lora_bias", () => Lora(c => { ConvTargets(c); c.UseLoraBias = true; })),
        Conv("LoRA random init", () => Lora(c => { ConvTargets(c); c.Initialization = LoraInitialization.Random; }), isNoOp: false),
        Conv("DoRA", () => Lora(c => { ConvTargets(c); c.UseDora = true; })),
        Conv("DoRA dropout", () => Lora(c => { ConvTargets(c); c.UseDora = true; c.Dropout = 0.2; })),
        Conv("LoKr", () => LoKr(ConvTargets)),
        // Rank 1 decomposes w2 of conv2 (8 = 2·4 channels each side, r < 4/2), so the effective core lokr_t2 is used.
        Conv("LoKr effective conv2d", () => LoKr(c => { ConvTargets(c); c.Rank = 1; c.UseEffectiveConv2d = true; })),
        Conv("LoKr flattened w2, lycoris init", () => LoKr(c => { ConvTargets(c); c.Rank = 1; c.Initialization = LoKrInitialization.Lycoris; })),
        Conv("LoHa", () => LoHa(ConvTargets)),
        Conv("LoHa effective conv2d, dropouts", () => LoHa(c => { ConvTargets(c); c.UseEffectiveConv2d = true; c.RankDropout = 0.2; })),
        Conv("IA3 conv2 feed-forward", () => IA3(c => { c.TargetModules = ModuleSelector.FromNames("conv1", "conv2"); c.FeedforwardModules = ModuleSelector.FromNames("conv2"); })),
        Conv("IA3 conv1, head saved", () => IA3(c => { c.TargetModules = ModuleSelector.FromNames("conv1"); c.ModulesToSave = new[] { "head" }; })),
        Encoder("LN tuning", () => new LayerNormTuningConfig { TargetModules = ModuleSelector.FromNames("norm") }),
        Encoder("LN tuning layer 0, classifier saved", () => new LayerNormTuningConfig
        {
            TargetModules = ModuleSelector.FromRegex(@".*\.layer\.0\.norm"),
            ModulesToSave = new[] { "classifier" },
        }),
    };

    private static VeraConfig Vera(Action<VeraConfig>? configure = null)
    {
        var config = new VeraConfig { Rank = 8, TargetModules = ModuleSelector.FromNames("lin0", "lin1") };
        configure?.Invoke(config);
        return config;
    }

    private static RandLoraConfig RandLora(Action<RandLoraConfig>? configure = null)
    {
        var config = new RandLoraConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("lin0", "lin1") };
        configure?.Invoke(config);
        return config;
    }

    private static IA3Config IA3(Action<IA3Config>? configure = null)
    {
        var config = new IA3Config { TargetModules = ModuleSelector.FromNames("lin0", "lin1") };
        configure?.Invoke(config);
        return config;
    }

    private static LoraConfig Lora(Action<LoraConfig>? configure = null)
    {
        var config = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("lin0", "lin1") };
        configure?.Invoke(config);
        return config;
    }

    // Rank 2 splits w2 of the MLP's 20×10 and 20×20 layers into rank-2 factors (r < 5/2); rank 8 keeps both factors full.
    private static LoKrConfig LoKr(Action<LoKrConfig>? configure = null)
    {
        var config = new LoKrConfig { Rank = 2, Alpha = 4, TargetModules = ModuleSelector.FromNames("lin0", "lin1") };
        configure?.Invoke(config);
        return config;
    }

    private static LoHaConfig LoHa(Action<LoHaConfig>? configure = null)
    {
        var config = new LoHaConfig { Rank = 2, Alpha = 4, TargetModules = ModuleSelector.FromNames("lin0", "lin1") };
        configure?.Invoke(config);
        return config;
    }

    private static PeftMethodCase Mlp(string name, Func<PeftConfig> config, bool isNoOp = true, double tolerance = 1e-5) =>
        new($"{name} × MLP", () => new TinyMlp(), () => TinyMlp.Input(), config, IsNoOpAtInit: isNoOp, Tolerance: tolerance);

    private static void ConvTargets(PeftConfig config) => config.TargetModules = ModuleSelector.FromNames("conv1", "conv2");

    private static PeftMethodCase Conv(string name, Func<PeftConfig> config, bool isNoOp = true) =>
        new($"{name} × conv net", () => new TinyConvNet(), () => TinyConvNet.Input(), config, IsNoOpAtInit: isNoOp);

    private static PeftMethodCase Encoder(string name, Func<PeftConfig> config) =>
        new($"{name} × attention encoder", () => new TinyEncoder(), () => TinyEncoder.Input(), config);

    private static PeftMethodCase Embedding(string name, Func<PeftConfig> config) =>
        new($"{name} × embedding model", () => new TinyEmbeddingModel(), () => TinyEmbeddingModel.Input(), config);
}
