// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.Lycoris;

/// <summary>The tensors LoKr, LoHa and (IA)³ create on Conv2d targets, by PEFT's shape rules.</summary>
public sealed class LycorisConv2dTests
{
    public static TheoryData<string, PeftConfig, string[]> Cases => new()
    {
        // conv2: 8 → 8 channels, 3×3; 8 = 2·4 on both sides, so with r = 1 < 4/2 LoKr decomposes w2.
        { "LoKr flattened", new LoKrConfig { Rank = 1, TargetModules = ModuleSelector.FromNames("conv2") }, new[] { "lokr_w1 [2, 2]", "lokr_w2_a [4, 1]", "lokr_w2_b [1, 36]" } },
        { "LoKr effective", new LoKrConfig { Rank = 1, UseEffectiveConv2d = true, TargetModules = ModuleSelector.FromNames("conv2") }, new[] { "lokr_t2 [1, 1, 3, 3]", "lokr_w1 [2, 2]", "lokr_w2_a [1, 4]", "lokr_w2_b [1, 4]" } },
        { "LoKr full", new LoKrConfig { Rank = 4, TargetModules = ModuleSelector.FromNames("conv2") }, new[] { "lokr_w1 [2, 2]", "lokr_w2 [4, 4, 3, 3]" } },
        { "LoHa plain", new LoHaConfig { Rank = 2, TargetModules = ModuleSelector.FromNames("conv2") }, new[] { "hada_w1_a [8, 2]", "hada_w1_b [2, 72]", "hada_w2_a [8, 2]", "hada_w2_b [2, 72]" } },
        {
            "LoHa effective", new LoHaConfig { Rank = 2, UseEffectiveConv2d = true, TargetModules = ModuleSelector.FromNames("conv2") },
            new[] { "hada_t1 [2, 2, 3, 3]", "hada_t2 [2, 2, 3, 3]", "hada_w1_a [2, 8]", "hada_w1_b [2, 8]", "hada_w2_a [2, 8]", "hada_w2_b [2, 8]" }
        },
        { "IA3 output", new IA3Config { TargetModules = ModuleSelector.FromNames("conv1") }, new[] { "ia3_l [1, 8, 1, 1]" } },
        { "IA3 feed-forward", new IA3Config { TargetModules = ModuleSelector.FromNames("conv1"), FeedforwardModules = ModuleSelector.FromNames("conv1") }, new[] { "ia3_l [1, 3, 1, 1]" } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Create_OnConv2d_MakesPeftsTensors(string name, PeftConfig config, string[] expected)
    {
        using var scope = NewDisposeScope();
        using var model = new TinyConvNet();
        using var peft = PeftModel.Create(model, config);
        string prefix = $"base_model.model.{config.TargetModules!.Names[0]}.";
        var keys = peft.GetAdapterStateDict("default")
            .Select(p => $"{p.Key[prefix.Length..]} [{string.Join(", ", p.Value.shape)}]")
            .Order(StringComparer.Ordinal);
        Assert.True(expected.SequenceEqual(keys), $"{name}: got {string.Join("; ", keys)}");
    }

    [Fact]
    public void LoHaEffective_OnA1x1Kernel_KeepsTheFlattenedForm()
    {
        using var scope = NewDisposeScope();
        using var model = TorchSharp.torch.nn.Sequential(("pointwise", Microsoft.ML.Peft.Torch.ScopedModules.Conv2d(4, 6, 1)));
        using var peft = PeftModel.Create(model, new LoHaConfig { Rank = 2, UseEffectiveConv2d = true, TargetModules = ModuleSelector.FromNames("pointwise") });
        Assert.DoesNotContain(peft.GetAdapterStateDict("default").Keys, k => k.Contains("hada_t1", StringComparison.Ordinal));
    }
}
