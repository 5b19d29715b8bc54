// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Vera;

/// <summary>Registration of VeRA: PEFT's <c>VERA</c> type, tensor prefix <c>vera_</c>.</summary>
internal sealed class VeraMethod : PeftMethod
{
    internal const string PeftTypeName = "VERA";
    internal const string ProjectionA = "vera_A";
    internal const string ProjectionB = "vera_B";

    // PEFT 0.21's config dataclass has no exclude_modules (its own adapter_config.json files lack it), so Python warns
    // about the field when it is written.
    private static readonly string[] s_absentSharedFields = { "exclude_modules" };

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<VeraConfig>("r", (c, n) => c.Rank = JsonValues.Int(n, "r"), c => c.Rank),
        ConfigJsonField.For<VeraConfig>("projection_prng_key", (c, n) => c.ProjectionPrngKey = JsonValues.Int(n, "projection_prng_key"), c => c.ProjectionPrngKey),
        ConfigJsonField.For<VeraConfig>("save_projection", (c, n) => c.SaveProjection = JsonValues.Bool(n, "save_projection"), c => c.SaveProjection),
        ConfigJsonField.For<VeraConfig>("vera_dropout", (c, n) => c.Dropout = JsonValues.Number(n, "vera_dropout"), c => JsonValues.PythonFloat(c.Dropout)),
        ConfigJsonField.For<VeraConfig>("d_initial", (c, n) => c.DInitial = JsonValues.Number(n, "d_initial"), c => JsonValues.PythonFloat(c.DInitial)),
        ConfigJsonField.For<VeraConfig>("init_weights", (c, n) => c.InitWeights = JsonValues.Bool(n, "init_weights"), c => c.InitWeights),

        // Only their defaults are implemented (CheckUnsupportedFields refuses the others), so they are written as such.
        ConfigJsonField.For<VeraConfig>("fan_in_fan_out", (_, _) => { }, _ => false),
        ConfigJsonField.For<VeraConfig>("bias", (_, _) => { }, _ => "none"),
    };

    internal VeraMethod()
    {
        RegisterLayer<Linear>((path, linear) => new VeraLinear(path, linear));
    }

    internal override string Name => "vera";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "vera_";

    internal override Type ConfigType => typeof(VeraConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override IReadOnlyCollection<string> AbsentSharedFields => s_absentSharedFields;

    internal override PeftConfig CreateConfig() => new VeraConfig();

    internal override void CheckUnsupportedFields(JsonObject document, string source) =>
        SharedProjectionFields.RefuseNonDefaults(document, source, "vera_only");

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config) =>
        throw new InvalidOperationException("VeRA layers need the adapter's shared projections.");

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config, SharedAdapterTensors? shared)
    {
        var vera = (VeraConfig)config;
        ((VeraLinear)layer).AddAdapter(adapterName, new VeraAdapterSettings(vera.Rank, vera.Dropout, vera.DInitial, vera.InitWeights), shared!);
    }

    /// <summary>
    /// PEFT's <c>_init_vera_A_vera_B</c>: from one CPU generator seeded with the key, A (r × max d_in) is drawn
    /// first, then B (max d_out × r), each Kaiming-uniform with gain √2 in float32; then moved to the layers' device and dtype.
    /// </summary>
    internal override SharedAdapterTensors? CreateSharedTensors(
        string adapterName, PeftConfig config, IReadOnlyList<(string Path, nn.Module Module)> targets, IReadOnlyCollection<PeftConfig> otherConfigs)
    {
        var vera = (VeraConfig)config;
        RandomProjections.CheckAgainstOtherAdapters(
            "VeRA", vera.ProjectionPrngKey, vera.SaveProjection, otherConfigs.Cast<VeraConfig>().Select(c => ((long)c.ProjectionPrngKey, c.SaveProjection)), "config");
        var (maxOut, maxIn) = RandomProjections.LargestShape(targets);
        var (device, type) = RandomProjections.Placement(targets);
        using var scope = NewDisposeScope();
        using var generator = RandomProjections.CreateGenerator(vera.ProjectionPrngKey);
        var a = RandomProjections.Uniform(new[] { (long)vera.Rank, maxIn }, KaimingBoundGainSqrt2(maxIn), generator);
        var b = RandomProjections.Uniform(new[] { maxOut, (long)vera.Rank }, KaimingBoundGainSqrt2(vera.Rank), generator);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [ProjectionA] = a.to(type, device),
            [ProjectionB] = b.to(type, device),
        };
        return new SharedAdapterTensors(tensors, vera.SaveProjection);
    }

    /// <summary>PEFT's VeRA <c>_kaiming_init</c>: gain √2, std = gain/√fan_in, bound = √3·std, in that order (bit-exact doubles).</summary>
    internal static double KaimingBoundGainSqrt2(long fanIn)
    {
        double gain = Math.Sqrt(2);
        double std = gain / Math.Sqrt(fanIn);
        return Math.Sqrt(3.0) * std;
    }
}
