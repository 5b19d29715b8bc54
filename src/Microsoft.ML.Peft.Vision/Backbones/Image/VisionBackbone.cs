// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// A <see cref="PretrainedModel"/> known to be a vision model, with its vision parts: the <see cref="VisionArchitecture"/>,
/// the encoder as an <see cref="ImageEncoder"/> and the <see cref="ImageProcessor"/>. Vision estimators get one from
/// <see cref="VisionBackboneExtensions.AsVision"/>, which refuses backbones of other modalities with a message.
/// </summary>
internal sealed class VisionBackbone
{
    internal VisionBackbone(PretrainedModel model, VisionArchitecture architecture)
    {
        Model = model;
        Architecture = architecture;
    }

    /// <summary>The pretrained model, e.g. to record it in a saved pipeline.</summary>
    internal PretrainedModel Model { get; }

    internal VisionArchitecture Architecture { get; }

    internal string ModelType => Model.ModelType;

    internal string Source => Model.Source;

    internal IReadOnlyList<string> UntrainedModules => Model.UntrainedModules;

    /// <summary>Builds a new encoder with the pretrained weights, on the CPU and in evaluation mode.</summary>
    internal ImageEncoder CreateEncoder() => (ImageEncoder)Model.CreateEncoder();

    /// <summary>The model's image processor, from its folder's <c>preprocessor_config.json</c> or the architecture's default.</summary>
    internal ImageProcessor CreateProcessor() => (ImageProcessor)Model.CreatePreprocessor();

    /// <inheritdoc/>
    public override string ToString() => Model.ToString();
}
