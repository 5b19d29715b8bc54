// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// A <see cref="BackboneArchitecture"/> that reads images: its preprocessor is an <see cref="ImageProcessor"/> built from the
/// folder's <c>preprocessor_config.json</c> (or the architecture's own default when the folder has none, as a model imported
/// from ONNX), its encoder an <see cref="ImageEncoder"/>, and it builds the image classifier of Hugging Face's
/// <c>XxxForImageClassification</c> layout.
/// </summary>
internal abstract class VisionArchitecture : BackboneArchitecture
{
    /// <summary>The modality of every vision backbone.</summary>
    internal const string VisionModality = "vision";

    internal sealed override string Modality => VisionModality;

    internal sealed override string PreprocessorName => "image processor";

    /// <summary>
    /// Nothing is required: a folder without <c>preprocessor_config.json</c> is processed with <see cref="DefaultProcessorConfig"/>,
    /// which is what Hugging Face's image processor class of the architecture does with no arguments.
    /// </summary>
    internal override IReadOnlyList<string> RequiredPreprocessorFiles { get; } = Array.Empty<string>();

    internal override IReadOnlyList<string> OptionalPreprocessorFiles { get; } = new[] { ImageProcessorConfig.FileName };

    /// <summary>The processing of a folder without <c>preprocessor_config.json</c>: the defaults of the architecture's Hugging Face image processor class.</summary>
    internal abstract ImageProcessorConfig DefaultProcessorConfig { get; }

    /// <summary>PEFT's default LoRA targets for this architecture (its entry in PEFT's target-module mapping, or the attention query and value).</summary>
    internal abstract IReadOnlyList<string> DefaultTargetModules { get; }

    /// <summary>The modules of the image classifier's head, trained in full and saved in <c>modules_to_save</c>.</summary>
    internal abstract IReadOnlyList<string> ImageClassifierHeadModules { get; }

    /// <summary>The Hugging Face class whose layout the image classifier follows, e.g. <c>ViTForImageClassification</c>.</summary>
    internal abstract string ImageClassifierClassName { get; }

    /// <summary>
    /// The one input the encoder takes, as (channels, side of the square image), when it takes only one (a ViT's
    /// <c>num_channels</c> and <c>image_size</c>: its position embeddings are not interpolated); null when any size works.
    /// </summary>
    /// <exception cref="InvalidDataException">The configuration is malformed; the message names the file and the field.</exception>
    internal virtual (int Channels, int Side)? ReadInputSize(JsonObject config, string source) => null;

    internal abstract override ImageEncoder CreateEncoder(JsonObject config, string source);

    internal sealed override IBackbonePreprocessor CreatePreprocessor(PretrainedModel model) =>
        ImageProcessor.FromFiles(model.PreprocessorFiles, DefaultProcessorConfig, model.Source);

    /// <summary>
    /// The modules that hold every weight matrix of the encoder's layers (attention, feed-forward, convolutions), the default
    /// targets of a method that adapts all of them, as CLIP-SVD's singular-value tuning does.
    /// </summary>
    internal abstract IReadOnlyList<string> WeightMatrixModules { get; }

    /// <summary>The encoder's normalisation layers (LayerNorm, or BatchNorm for a CNN): the default targets of LN tuning.</summary>
    internal abstract IReadOnlyList<string> NormalizationModules { get; }

    /// <summary>A new classifier of <paramref name="classCount"/> classes around <paramref name="encoder"/>, its head freshly initialised.</summary>
    /// <param name="encoder">The encoder, from <see cref="CreateEncoder"/>.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="headInput">What the head reads: the features, or the features L2-normalised.</param>
    internal abstract ImageClassifierModel CreateImageClassifier(ImageEncoder encoder, int classCount, ClassifierHeadInput headInput = ClassifierHeadInput.Features);

    /// <summary>
    /// The width of what the image classifier's head reads: the encoder's hidden size, or for a prompt classifier the width of
    /// the joint image-text space.
    /// </summary>
    internal virtual int ClassifierFeatureSize(JsonObject config, string source, bool prompts) => ReadShape(config, source).HiddenSize;

    /// <summary>
    /// Whether the encoder gives spatial feature maps (<see cref="ImageEncoder.FeatureMaps"/>), which dense tasks such as
    /// change detection decode; known before an encoder is built, so an estimator refuses a backbone without them up front.
    /// </summary>
    internal virtual bool HasFeatureMaps => false;

    /// <summary>Whether the architecture has a text tower, so that <see cref="CreatePromptClassifier"/> builds a classifier.</summary>
    internal virtual bool HasTextTower => false;

    /// <summary>
    /// A classifier whose classes are text prompts, one per class, compared with each image in a joint image-text space
    /// (CLIP's zero-shot classifier), or null when the architecture has no text tower.
    /// </summary>
    /// <param name="encoder">The encoder, from <see cref="CreateEncoder"/>; the classifier takes it over.</param>
    /// <param name="model">The pretrained model, whose files hold the tokenizer.</param>
    /// <param name="prompts">One text per class, in class order.</param>
    internal virtual ImageClassifierModel? CreatePromptClassifier(ImageEncoder encoder, PretrainedModel model, IReadOnlyList<string> prompts) => null;
}
