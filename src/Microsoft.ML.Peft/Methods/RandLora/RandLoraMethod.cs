// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.RandLora;

/// <summary>Registration of RandLoRA: PEFT's <c>RANDLORA</c> type, tensor prefix <c>randlora_</c>.</summary>
internal sealed class RandLoraMethod : PeftMethod
{
    internal const string PeftTypeName = "RANDLORA";
    internal const string BasisA = "randlora_A";
    internal const string BasisB = "randlora_B";

    // PEFT 0.21's config dataclass has no exclude_modules (its own adapter_config.json files lack it), so Python warns
    // about the field when it is written.
    private static readonly string[] s_absentSharedFields = { "exclude_modules" };

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<RandLoraConfig>("r", (c, n) => c.Rank = JsonValues.Int(n, "r"), c => c.Rank),
        ConfigJsonField.For<RandLoraConfig>("projection_prng_key", (c, n) => c.ProjectionPrngKey = JsonValues.Int(n, "projection_prng_key"), c => c.ProjectionPrngKey),
        ConfigJsonField.For<RandLoraConfig>("save_projection", (c, n) => c.SaveProjection = JsonValues.Bool(n, "save_projection"), c => c.SaveProjection),
        ConfigJsonField.For<RandLoraConfig>("sparse", (c, n) => c.Sparse = JsonValues.Bool(n, "sparse"), c => c.Sparse),
        ConfigJsonField.For<RandLoraConfig>("very_sparse", (c, n) => c.VerySparse = JsonValues.Bool(n, "very_sparse"), c => c.VerySparse),
        ConfigJsonField.For<RandLoraConfig>("randlora_dropout", (c, n) => c.Dropout = JsonValues.Number(n, "randlora_dropout"), c => JsonValues.PythonFloat(c.Dropout)),
        ConfigJsonField.For<RandLoraConfig>("randlora_alpha", (c, n) => c.Alpha = JsonValues.Number(n, "randlora_alpha"), c => JsonValues.Number(c.Alpha)),
        ConfigJsonField.For<RandLoraConfig>("init_weights", (c, n) => c.InitWeights = JsonValues.Bool(n, "init_weights"), c => c.InitWeights),

        // Only their defaults are implemented (CheckUnsupportedFields refuses the others), so they are written as such.
        ConfigJsonField.For<RandLoraConfig>("fan_in_fan_out", (_, _) => { }, _ => false),
        ConfigJsonField.For<RandLoraConfig>("bias", (_, _) => { }, _ => "none"),
    };

    internal RandLoraMethod()
    {
        RegisterLayer<Linear>((path, linear) => new RandLoraLinear(path, linear));
    }

    internal override string Name => "randlora";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "randlora_";

    internal override Type ConfigType => typeof(RandLoraConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override IReadOnlyCollection<string> AbsentSharedFields => s_absentSharedFields;

    internal override PeftConfig CreateConfig() => new RandLoraConfig();

    internal override void CheckUnsupportedFields(JsonObject document, string source) =>
        SharedProjectionFields.RefuseNonDefaults(document, source, "randlora_only");

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config) =>
        throw new InvalidOperationException("RandLoRA layers need the adapter's shared bases.");

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config, SharedAdapterTensors? shared)
    {
        var randLora = (RandLoraConfig)config;
        var settings = new RandLoraAdapterSettings(randLora.Rank, randLora.Alpha / randLora.Rank, randLora.Dropout, randLora.InitWeights);
        ((RandLoraLinear)layer).AddAdapter(adapterName, settings, shared!);
    }

    /// <summary>
    /// PEFT's <c>_pre_injection_hook</c>: the bases for the largest targeted shape, drawn from one CPU generator
    /// seeded with the key (see <see cref="RandLoraBases"/>), then moved to the layers' device and dtype.
    /// </summary>
    internal override SharedAdapterTensors? CreateSharedTensors(
        string adapterName, PeftConfig config, IReadOnlyList<(string Path, nn.Module Module)> targets, IReadOnlyCollection<PeftConfig> otherConfigs)
    {
        var randLora = (RandLoraConfig)config;
        RandomProjections.CheckAgainstOtherAdapters(
            "RandLoRA", randLora.ProjectionPrngKey, randLora.SaveProjection, otherConfigs.Cast<RandLoraConfig>().Select(c => ((long)c.ProjectionPrngKey, c.SaveProjection)), "config");
        var (maxOut, maxIn) = RandomProjections.LargestShape(targets);
        var (device, type) = RandomProjections.Placement(targets);
        using var scope = NewDisposeScope();
        var (a, b) = RandLoraBases.Draw(randLora, Math.Max(maxOut, maxIn), Math.Min(maxOut, maxIn));
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [BasisA] = a.to(type, device),
            [BasisB] = b.to(type, device),
        };
        return new SharedAdapterTensors(tensors, randLora.SaveProjection);
    }

    /// <summary>PEFT's number of bases that makes the update full-rank: ⌈min(d_in, d_out) / r⌉.</summary>
    internal static long BasesCount(long minDim, int rank) => (minDim + rank - 1) / rank;
}
