// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.TinyVision;

/// <summary>
/// A non-text backbone defined outside the library, registered the way an extension assembly registers its own:
/// <c>model_type</c> <c>tiny-vision</c>, a patch-embedding encoder and an image processor read from <c>preprocessor_config.json</c>.
/// </summary>
internal sealed class TinyVisionArchitecture : BackboneArchitecture
{
    internal const string Type = "tiny-vision";

    internal static readonly TinyVisionArchitecture Instance = new();

    private TinyVisionArchitecture()
    {
    }

    internal override string ModelType => Type;

    internal override string Modality => "vision";

    internal override string PreprocessorName => "image processor";

    internal override IReadOnlyList<string> CheckpointPrefixes { get; } = new[] { "tiny_vision." };

    internal override IReadOnlyList<string> RequiredPreprocessorFiles { get; } = new[] { TinyImageProcessor.FileName };

    internal override IReadOnlyList<string> OptionalPreprocessorFiles { get; } = Array.Empty<string>();

    /// <summary>Registers the architecture; tests call it before opening a folder, as a module initializer would.</summary>
    internal static void Register() => BackboneRegistry.Register(Instance);

    internal override EncoderShape ReadShape(JsonObject config, string source)
    {
        var shape = TinyVisionConfig.FromJson(config, source);
        return new EncoderShape(shape.HiddenSize, shape.LayerCount, shape.PatchCount + 1);
    }

    internal override nn.Module CreateEncoder(JsonObject config, string source) => new TinyVisionModel(TinyVisionConfig.FromJson(config, source));

    internal override IBackbonePreprocessor CreatePreprocessor(PretrainedModel model) => TinyImageProcessor.FromFiles(model.PreprocessorFiles);
}
