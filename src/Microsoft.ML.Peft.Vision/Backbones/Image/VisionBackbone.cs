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

    /// <summary>
    /// Checks that the image processor's pixel values fit the encoder (<see cref="VisionArchitecture.ReadInputSize"/>), so that
    /// an estimator refuses a mismatch when it is built rather than at the first batch.
    /// </summary>
    /// <exception cref="ArgumentException">The processor gives another image size, or the encoder takes other than RGB; the message says where the size comes from and how to fix it.</exception>
    internal void RequireProcessorFitsEncoder()
    {
        if (Architecture.ReadInputSize(Model.Config, Source) is not { } input)
        {
            return;
        }

        if (input.Channels != 3)
        {
            throw new ArgumentException(
                $"'{Source}' takes {input.Channels}-channel images (num_channels in config.json), but images are read as RGB (3 channels); only RGB models are supported.");
        }

        var processor = CreateProcessor();
        if (processor.OutputHeight != input.Side || processor.OutputWidth != input.Side)
        {
            string origin = Model.PreprocessorFiles.ContainsKey(ImageProcessorConfig.FileName)
                ? $"its {ImageProcessorConfig.FileName}"
                : $"the folder has no {ImageProcessorConfig.FileName}, so the {ModelType} image processor's defaults apply";
            throw new ArgumentException(
                $"The image processor of '{Source}' gives {processor.OutputHeight} x {processor.OutputWidth} images ({origin}), but the model takes "
                + $"{input.Side} x {input.Side} (image_size in config.json) and does not interpolate its position embeddings. Give the folder a "
                + $"{ImageProcessorConfig.FileName} whose \"size\" is {{\"height\": {input.Side}, \"width\": {input.Side}}}.");
        }
    }

    /// <summary>
    /// Loads the head of <paramref name="model"/> from the checkpoint when it is a task checkpoint with that head (keys
    /// <c>classifier.*</c> of a <c>ViTForImageClassification</c>); returns false, leaving the head as initialised, when it has none.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint holds part of the head, or a head of another shape (another number of classes).</exception>
    internal bool TryLoadImageClassifierHead(ImageClassifierModel model) =>
        model.Head is { } head && Model.TryLoadWeights(head, model.HeadName + ".");

    /// <inheritdoc/>
    public override string ToString() => Model.ToString();
}
