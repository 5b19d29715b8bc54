// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Methods.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Adapters;

/// <summary>PEFT's matching rules (check_target_module_exists, _set_trainable) on BERT/RoBERTa names.</summary>
public sealed class TargetModuleMatcherTests
{
    private const string Query0 = "bert.encoder.layer.0.attention.self.query";
    private const string Key0 = "bert.encoder.layer.0.attention.self.key";
    private const string Value0 = "bert.encoder.layer.0.attention.self.value";
    private const string AttentionOutput0 = "bert.encoder.layer.0.attention.output.dense";
    private const string Intermediate0 = "bert.encoder.layer.0.intermediate.dense";
    private const string Output0 = "bert.encoder.layer.0.output.dense";
    private const string Query3 = "bert.encoder.layer.3.attention.self.query";
    private const string Pooler = "bert.pooler.dense";

    private static readonly string[] s_bert =
    {
        Query0, Key0, Value0, AttentionOutput0, Intermediate0, Output0, Query3, Pooler, "classifier", "pre_classifier",
    };

    [Theory]
    [InlineData("query", new[] { Query0, Query3 })]
    [InlineData("self.query", new[] { Query0, Query3 })]
    [InlineData("uery", new string[0])]
    [InlineData("elf.query", new string[0])]
    [InlineData("dense", new[] { AttentionOutput0, Intermediate0, Output0, Pooler })]
    [InlineData("output.dense", new[] { AttentionOutput0, Output0 })]
    [InlineData("classifier", new[] { "classifier" })]
    [InlineData(Pooler, new[] { Pooler })]
    public void TargetModuleMatcher_NameList_MatchesExactNameOrDottedSuffix(string target, string[] expected) =>
        Assert.Equal(expected, Targets(new LoraConfig(), ModuleSelector.FromNames(target)));

    [Theory]
    [InlineData(".*\\.(query|value)", new[] { Query0, Value0, Query3 })]
    [InlineData(".*\\.(query|value)$", new[] { Query0, Value0, Query3 })]
    [InlineData("query", new string[0])]
    [InlineData(".*query", new[] { Query0, Query3 })]
    [InlineData(".*layer\\.0\\..*dense", new[] { AttentionOutput0, Intermediate0, Output0 })]
    [InlineData("classifier|.*\\.key", new[] { Key0, "classifier" })]
    [InlineData("bert\\.pooler|.*\\.key", new[] { Key0 })]
    public void TargetModuleMatcher_RegexString_MustMatchWholeName(string pattern, string[] expected) =>
        Assert.Equal(expected, Targets(new LoraConfig(), ModuleSelector.FromRegex(pattern)));

    [Theory]
    [InlineData("model.layers.0.self_attn.q_proj", true)]
    [InlineData("model.layers.0.self_attn.v_proj", true)]
    [InlineData("model.layers.0.self_attn.k_proj", false)]
    [InlineData("model.layers.0.self_attn.q_proj.extra", false)]
    public void TargetModuleMatcher_LlamaStyleRegex_FullMatches(string key, bool expected) =>
        Assert.Equal(expected, TargetModuleMatcher.IsTarget(new LoraConfig(), ModuleSelector.FromRegex(".*(q|v)_proj"), key));

    [Fact]
    public void TargetModuleMatcher_ExcludeList_ExcludesExactAndDottedSuffix()
    {
        var config = new LoraConfig { ExcludeModules = ModuleSelector.FromNames("attention.output.dense", Pooler, "ense") };
        Assert.Equal(new[] { Intermediate0, Output0 }, Targets(config, ModuleSelector.FromNames("dense")));
    }

    [Fact]
    public void TargetModuleMatcher_ExcludeRegex_MustMatchWholeName()
    {
        var layer0 = new LoraConfig { ExcludeModules = ModuleSelector.FromRegex(".*layer\\.0\\..*") };
        Assert.Equal(new[] { Query3 }, Targets(layer0, ModuleSelector.FromNames("query")));

        var partial = new LoraConfig { ExcludeModules = ModuleSelector.FromRegex("query") };
        Assert.Equal(new[] { Query0, Query3 }, Targets(partial, ModuleSelector.FromNames("query")));
    }

    [Fact]
    public void TargetModuleMatcher_ModulesToSave_AreNeverTargets()
    {
        var config = new LoraConfig { ModulesToSave = new[] { "classifier" } };
        var targets = ModuleSelector.FromNames("classifier", "pre_classifier", "dense", "out_proj");

        Assert.False(TargetModuleMatcher.IsTarget(config, targets, "classifier"));
        Assert.False(TargetModuleMatcher.IsTarget(config, targets, "classifier.dense"));
        Assert.False(TargetModuleMatcher.IsTarget(config, targets, "roberta.classifier.out_proj"));
        Assert.True(TargetModuleMatcher.IsTarget(config, targets, "pre_classifier"));
        Assert.True(TargetModuleMatcher.IsTarget(config, targets, "classifier_head.dense"));
        Assert.True(TargetModuleMatcher.IsTarget(config, targets, Pooler));
    }

    [Theory]
    [InlineData("classifier", true)]
    [InlineData("classifier.dense", true)]
    [InlineData("roberta.classifier.out_proj", true)]
    [InlineData("pre_classifier", false)]
    [InlineData("classifier_head", false)]
    [InlineData("bert.pooler.dense", false)]
    public void TargetModuleMatcher_IsInsideModulesToSave_UsesDottedBoundaries(string key, bool expected) =>
        Assert.Equal(expected, TargetModuleMatcher.IsInsideModulesToSave(new[] { "classifier" }, key));

    [Fact]
    public void TargetModuleMatcher_FindModulesToSave_UsesPlainSuffixLikePeft()
    {
        using var scope = NewDisposeScope();
        var head = new Named(("dense", nn.Linear(4, 4)), ("out_proj", nn.Linear(4, 2)));
        using var model = new Named(("pre_classifier", nn.Linear(4, 4)), ("classifier", head), ("pooler", nn.Linear(4, 4)));

        var found = TargetModuleMatcher.FindModulesToSave(model, new[] { "classifier", "score" });

        // "classifier" also selects "pre_classifier", as in real PEFT-saved adapters (distilbert-imdb-lora).
        Assert.Equal(new[] { "classifier", "pre_classifier" }, found.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Same(head, found.Single(f => f.Path == "classifier").Module);
        Assert.Empty(TargetModuleMatcher.FindModulesToSave(model, null));
    }

    [Theory]
    [InlineData(Query3, null, 3)]
    [InlineData(Query3, "layer", 3)]
    [InlineData("roberta.encoder.layer.11.attention.self.query", null, 11)]
    [InlineData("model.layers.1.mlp.experts.5.up_proj", null, 1)]
    [InlineData("model.layers.1.mlp.experts.5.up_proj", "experts", 5)]
    [InlineData("model.layers.1.mlp.experts.5.up_proj", "h", null)]
    [InlineData(Pooler, null, null)]
    [InlineData("classifier", null, null)]
    [InlineData("layer.3.query", null, null)]
    public void TargetModuleMatcher_LayerIndex_FindsFirstNumberedSegment(string key, string? pattern, int? expected) =>
        Assert.Equal(expected, TargetModuleMatcher.LayerIndex(key, pattern is null ? null : new[] { pattern }));

    [Theory]
    [InlineData(null)]
    [InlineData("layer")]
    public void TargetModuleMatcher_LayersToTransform_FiltersNameListTargets(string? pattern)
    {
        var config = new LoraConfig { LayersToTransform = new[] { 3 }, LayersPattern = pattern is null ? null : new[] { pattern } };

        Assert.Equal(new[] { Query3 }, Targets(config, ModuleSelector.FromNames("query")));
        Assert.Empty(Targets(config, ModuleSelector.FromNames("pooler.dense")));
    }

    [Fact]
    public void TargetModuleMatcher_LayersToTransform_ExactNameBypassesAndRegexIgnores()
    {
        var config = new LoraConfig { LayersToTransform = new[] { 3 } };

        Assert.True(TargetModuleMatcher.IsTarget(config, ModuleSelector.FromNames(Query0), Query0));
        Assert.True(TargetModuleMatcher.IsTarget(config, ModuleSelector.FromNames(Pooler), Pooler));
        Assert.False(TargetModuleMatcher.IsTarget(config, ModuleSelector.FromNames("self.query"), Query0));
        Assert.Equal(new[] { Query0, Query3 }, Targets(config, ModuleSelector.FromRegex(".*\\.query")));
    }

    [Fact]
    public void TargetModuleMatcher_ExpandAllLinear_ExcludesLastLinearOrGivenOutput()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("fc1", nn.Linear(4, 8)), ("act", nn.ReLU()), ("fc2", nn.Linear(8, 2)));

        var all = TargetModuleMatcher.ExpandAllLinear(model, outputModuleName: null);
        var explicitOutput = TargetModuleMatcher.ExpandAllLinear(model, outputModuleName: "fc1");

        Assert.Equal(ModuleSelectorKind.Names, all.Kind);
        Assert.Equal(new[] { "fc1" }, all.Names);
        Assert.Equal(new[] { "fc2" }, explicitOutput.Names);
    }

    [Fact]
    public void TargetModuleMatcher_ExpandAllLinear_ExcludesTopLevelClassifierHead()
    {
        using var scope = NewDisposeScope();
        var encoder = new Named(("query", nn.Linear(4, 4)), ("value", nn.Linear(4, 4)), ("norm", nn.LayerNorm(4)));
        using var model = new Named(("encoder", encoder), ("classifier", nn.Linear(4, 2)), ("projection", nn.Linear(4, 4)));

        var selector = TargetModuleMatcher.ExpandAllLinear(model, outputModuleName: null);

        Assert.Equal(new[] { "encoder.query", "encoder.value", "projection" }, selector.Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TargetModuleMatcher_ExpandAllLinear_OnlyOutputLayer_Throws()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("fc", nn.Linear(4, 2)), ("act", nn.ReLU()));
        Assert.Throws<ArgumentException>(() => TargetModuleMatcher.ExpandAllLinear(model, outputModuleName: null));
    }

    private static string[] Targets(PeftConfig config, ModuleSelector targets) =>
        s_bert.Where(key => TargetModuleMatcher.IsTarget(config, targets, key)).ToArray();

    /// <summary>A container module with named children, like a Hugging Face model's attributes.</summary>
    private sealed class Named : nn.Module
    {
        public Named(params (string Name, nn.Module Child)[] children)
            : base(nameof(Named))
        {
            foreach (var (name, child) in children)
            {
                register_module(name, child);
            }
        }
    }
}
