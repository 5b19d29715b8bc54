// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.SingularValueTuning;

/// <summary>Registration of singular-value tuning (CLIP-SVD's adaptation): type <c>SINGULAR_VALUE_TUNING</c>, prefix <c>svd_</c>.</summary>
internal sealed class SingularValueTuningMethod : PeftMethod
{
    internal const string PeftTypeName = "SINGULAR_VALUE_TUNING";

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<SingularValueTuningConfig>("rank_ratio", (c, n) => c.RankRatio = JsonValues.Number(n, "rank_ratio"), c => JsonValues.PythonFloat(c.RankRatio)),
    };

    internal SingularValueTuningMethod()
    {
        RegisterLayer<Linear>((path, linear) => new SingularValueTuningLinear(path, linear));
        RegisterLayer<Conv2d>((path, conv) => new SingularValueTuningConv2d(path, conv));
    }

    internal override string Name => "singular_value_tuning";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "svd_";

    internal override Type ConfigType => typeof(SingularValueTuningConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override PeftConfig CreateConfig() => new SingularValueTuningConfig();

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config) =>
        ((SingularValueTuningLayer)layer).AddAdapter(adapterName, ((SingularValueTuningConfig)config).RankRatio);
}
