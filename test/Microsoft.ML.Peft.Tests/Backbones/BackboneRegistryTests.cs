// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tests.Backbones.TinyVision;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones;

/// <summary><see cref="BackboneRegistry"/>: the built-in text backbones, registration from another assembly, and its errors.</summary>
public sealed class BackboneRegistryTests
{
    public BackboneRegistryTests() => TinyVisionArchitecture.Register();

    [Fact]
    public void ModelTypes_HoldTheBuiltInTextBackbonesAndOnesRegisteredFromOutside()
    {
        Assert.Subset(BackboneRegistry.ModelTypes.ToHashSet(), new HashSet<string> { "bert", "distilbert", "roberta", "tiny-vision" });
        Assert.Equal("text", BackboneRegistry.Get("bert", "config.json").Modality);
        Assert.Same(TinyVisionArchitecture.Instance, BackboneRegistry.Get("tiny-vision", "config.json"));
    }

    [Fact]
    public void Register_SameArchitectureAgain_DoesNothing()
    {
        int count = BackboneRegistry.ModelTypes.Count;

        TinyVisionArchitecture.Register();

        Assert.Equal(count, BackboneRegistry.ModelTypes.Count);
    }

    [Fact]
    public void Register_AnotherArchitectureUnderATakenModelType_IsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => BackboneRegistry.Register(new Impostor("bert")));

        Assert.Contains("\"bert\"", error.Message);
        Assert.Contains("already registered", error.Message);
        Assert.Equal("text", BackboneRegistry.Get("bert", "config.json").Modality);
    }

    [Fact]
    public void Get_UnknownModelType_NamesItTheSourceAndTheRegisteredTypes()
    {
        var error = Assert.Throws<NotSupportedException>(() => BackboneRegistry.Get("gpt2", "/models/gpt2/config.json"));

        Assert.Contains("'/models/gpt2/config.json' declares model_type \"gpt2\"", error.Message);
        Assert.Contains("tiny-vision", error.Message);
        Assert.Contains("bert", error.Message);
    }

    /// <summary>An architecture that only has a model type, to try to take over a registered one.</summary>
    private sealed class Impostor(string modelType) : BackboneArchitecture
    {
        internal override string ModelType => modelType;

        internal override string Modality => "vision";

        internal override string PreprocessorName => "image processor";

        internal override IReadOnlyList<string> CheckpointPrefixes => Array.Empty<string>();

        internal override IReadOnlyList<string> RequiredPreprocessorFiles => Array.Empty<string>();

        internal override IReadOnlyList<string> OptionalPreprocessorFiles => Array.Empty<string>();

        internal override EncoderShape ReadShape(JsonObject config, string source) => throw new NotSupportedException();

        internal override nn.Module CreateEncoder(JsonObject config, string source) => throw new NotSupportedException();

        internal override IBackbonePreprocessor CreatePreprocessor(PretrainedModel model) => throw new NotSupportedException();
    }
}
