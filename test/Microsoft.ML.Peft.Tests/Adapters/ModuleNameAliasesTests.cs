// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.Vit;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Adapters;

public sealed class ModuleNameAliasesTests : IDisposable
{
    private static readonly ModuleNameAliases s_aliases = ModuleNameAliases.FromPatterns(
        ("encoder.layer.{n}.attention.attention.query", "layers.{n}.attention.q_proj"),
        ("encoder.layer", "layers"));

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-aliases-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("encoder.layer.10.attention.attention.query.lora_A.weight", "layers.10.attention.q_proj.lora_A.weight")]
    [InlineData("encoder.layer.1.layernorm_before", "layers.1.layernorm_before")]
    [InlineData("encoder.layers.1.attention", null)]
    [InlineData("embeddings.cls_token", null)]
    public void ToAlias_RewritesTheLeadingRunOfTheFirstMatchingRule_AndToModelNameUndoesIt(string modelName, string? alias)
    {
        Assert.Equal(alias, s_aliases.ToAlias(modelName));
        if (alias is not null)
        {
            Assert.Equal(modelName, s_aliases.ToModelName(alias));
        }
    }

    [Fact]
    public void FromPatterns_SidesWithDifferentLayerIndexes_AreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => ModuleNameAliases.FromPatterns(("encoder.layer.{n}.query", "q_proj")));

        Assert.Contains("{n}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_ViTClassifier_PutsTheEncodersRulesUnderItsName()
    {
        using var classifier = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 2);

        var aliases = ModuleNameAliases.Of(classifier);

        Assert.Equal("vit.layers.1.mlp.fc2", aliases.ToAlias("vit.encoder.layer.1.output.dense"));
        Assert.Equal("vit.layers.0.attention.o_proj", aliases.ToAlias("vit.encoder.layer.0.attention.output.dense"));
        Assert.Null(aliases.ToAlias("classifier"));
    }

    [Fact]
    public void LoadAdapter_OneTensorUnderBothNames_IsRefusedNamingBoth()
    {
        using var scope = NewDisposeScope();
        using var classifier = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 2);
        using (var peft = PeftModel.Create(classifier, new LoraConfig { TargetModules = ModuleSelector.FromNames("query") }))
        {
            peft.SaveAdapter(_directory);
        }

        string file = Path.Combine(_directory, PeftModel.AdapterWeightsFileName);
        var tensors = SafeTensorsFile.Read(file);
        string saved = "base_model.model.vit.layers.0.attention.q_proj.lora_A.weight";
        tensors["base_model.model.vit.encoder.layer.0.attention.attention.query.lora_A.weight"] = tensors[saved];
        SafeTensorsFile.Write(file, tensors, metadata: null);
        using var again = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 2);

        var error = Assert.Throws<InvalidDataException>(() => PeftModel.FromPretrained(again, _directory));

        Assert.Contains(saved, error.Message, StringComparison.Ordinal);
        Assert.Contains("vit.encoder.layer.0.attention.attention.query.lora_A.weight", error.Message, StringComparison.Ordinal);
    }
}
