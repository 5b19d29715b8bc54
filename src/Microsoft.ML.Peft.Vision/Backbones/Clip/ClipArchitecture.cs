// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// OpenAI's CLIP as Hugging Face's <c>CLIPModel</c> (<c>model_type</c> <c>clip</c>): the encoder is the whole model
/// (<see cref="ClipModel"/>, both towers), so a folder's checkpoint loads and is fingerprinted in full, and as an
/// <see cref="ImageEncoder"/> it gives projected image embeddings. The image processor is <c>CLIPImageProcessor</c>'s; the
/// tokenizer (<see cref="CreateTokenizer"/>) reads the folder's <c>vocab.json</c> and <c>merges.txt</c>.
/// </summary>
internal sealed class ClipArchitecture : VisionArchitecture
{
    internal static readonly ClipArchitecture Instance = new();

    private ClipArchitecture()
    {
    }

    internal override string ModelType => "clip";

    /// <summary>None: <c>CLIPModel</c>'s keys have no prefix, and a checkpoint of another CLIP class lacks one of the towers.</summary>
    internal override IReadOnlyList<string> CheckpointPrefixes { get; } = Array.Empty<string>();

    /// <summary>The image processor's file and the tokenizer's, all optional: an image-only folder still opens.</summary>
    internal override IReadOnlyList<string> OptionalPreprocessorFiles { get; } =
        new[] { ImageProcessorConfig.FileName }.Concat(ClipTokenizerFactory.FileNames).ToArray();

    /// <summary>
    /// <c>CLIPImageProcessor()</c>: shortest edge 224 (bicubic), center crop 224, rescale 1/255, OpenAI's mean and std
    /// (<c>OPENAI_CLIP_MEAN</c>, <c>OPENAI_CLIP_STD</c>). Written inline: static fields declared after <see cref="Instance"/>
    /// would still be null while it is built.
    /// </summary>
    internal override ImageProcessorConfig DefaultProcessorConfig { get; } = new(
        null,
        null,
        224,
        ImageProcessorConfig.Bicubic,
        224,
        224,
        1 / 255.0,
        new[] { 0.48145466, 0.4578275, 0.40821073 },
        new[] { 0.26862954, 0.26130258, 0.27577711 });

    /// <summary>PEFT's target-module mapping has no <c>clip</c> entry; the attention query and value projections, in both towers.</summary>
    internal override IReadOnlyList<string> DefaultTargetModules { get; } = new[] { "q_proj", "v_proj" };

    internal override IReadOnlyList<string> ImageClassifierHeadModules { get; } = new[] { "classifier" };

    internal override string ImageClassifierClassName => "CLIPForImageClassification";

    /// <summary>The image tower's width and depth, and its sequence (patches plus the class token), as for a ViT.</summary>
    internal override EncoderShape ReadShape(JsonObject config, string source)
    {
        var vision = ClipConfig.FromJson(config, source).Vision;
        return new EncoderShape(vision.Encoder.HiddenSize, vision.Encoder.NumHiddenLayers, vision.PositionCount);
    }

    internal override ImageEncoder CreateEncoder(JsonObject config, string source) => new ClipModel(ClipConfig.FromJson(config, source));

    /// <summary>
    /// <c>CLIPForImageClassification</c>: <c>vision_model</c> and a linear <c>classifier</c> over the mean of the patch tokens'
    /// last hidden states. It takes the image tower out of <paramref name="encoder"/> (a <see cref="ClipModel"/>) and disposes the
    /// rest, which the classifier does not have; the head starts from N(0, 0.02) as the other vision classifiers here, where
    /// Hugging Face draws it with standard deviation <c>hidden_size^-0.5</c>.
    /// </summary>
    internal override ImageClassifierModel CreateImageClassifier(ImageEncoder encoder, int classCount, ClassifierHeadInput headInput = ClassifierHeadInput.Features) =>
        new LinearImageClassifier("vision_model", ((ClipModel)encoder).ReleaseVisionModel(), "classifier", classCount, headInput);

    /// <summary>
    /// Every Linear of both towers' layers, as CLIP-SVD adapts them: the attention's query, key, value and output, and the
    /// MLP's two layers. The projections into the joint space stay frozen, as CLIP-SVD leaves OpenAI's projection matrices.
    /// </summary>
    internal override IReadOnlyList<string> WeightMatrixModules { get; } = new[] { "q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2" };

    /// <summary>Every LayerNorm, Hugging Face's names: the image tower's <c>pre_layrnorm</c>, each layer's two, and both towers' final one.</summary>
    internal override IReadOnlyList<string> NormalizationModules { get; } = new[] { "pre_layrnorm", "layer_norm1", "layer_norm2", "post_layernorm", "final_layer_norm" };

    internal override bool HasTextTower => true;

    /// <summary>The joint space's <c>projection_dim</c> for prompts; the image tower's hidden size for <c>CLIPForImageClassification</c>.</summary>
    internal override int ClassifierFeatureSize(JsonObject config, string source, bool prompts)
    {
        var clip = ClipConfig.FromJson(config, source);
        return prompts ? clip.ProjectionDim : clip.Vision.Encoder.HiddenSize;
    }

    /// <summary>CLIP's zero-shot classifier over <paramref name="prompts"/> (<see cref="ClipPromptClassifier"/>).</summary>
    internal override ImageClassifierModel? CreatePromptClassifier(ImageEncoder encoder, PretrainedModel model, IReadOnlyList<string> prompts)
    {
        var clip = (ClipModel)encoder;
        return new ClipPromptClassifier(clip, CreateTokenizer(model, clip.Config), prompts);
    }

    /// <summary>
    /// CLIP's tokenizer from the model's files, at most <c>text_config.max_position_embeddings</c> tokens long (or the lower
    /// <c>model_max_length</c> of <c>tokenizer_config.json</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>vocab.json</c> or <c>merges.txt</c>.</exception>
    /// <exception cref="InvalidDataException">A tokenizer file is malformed.</exception>
    internal TextTokenizer CreateTokenizer(PretrainedModel model, ClipConfig config) =>
        ClipTokenizerFactory.Create(model.PreprocessorFiles, config.Text.MaxPositionEmbeddings, model.Source);
}
