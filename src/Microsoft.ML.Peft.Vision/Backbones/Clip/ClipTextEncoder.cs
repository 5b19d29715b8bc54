// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// The text side of a pretrained CLIP: its tokenizer and a <see cref="ClipModel"/> with the pretrained weights, turning texts
/// (class prompts such as "a photo of a cat") into L2-normalised <c>text_embeds</c> in the space the image embeddings share.
/// Internal until the zero-shot prompts API builds on it.
/// </summary>
internal sealed class ClipTextEncoder : IDisposable
{
    private ClipTextEncoder(ClipModel model, TextTokenizer tokenizer)
    {
        Model = model;
        Tokenizer = tokenizer;
    }

    /// <summary>The whole model (both towers), on the CPU and in evaluation mode.</summary>
    internal ClipModel Model { get; }

    /// <summary>CLIP's tokenizer from the folder's files, at most <c>max_position_embeddings</c> tokens.</summary>
    internal TextTokenizer Tokenizer { get; }

    /// <summary>Opens the text side of <paramref name="backbone"/>, a CLIP model.</summary>
    /// <exception cref="ArgumentException">The backbone is not a CLIP model.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>vocab.json</c> or <c>merges.txt</c>; the message names the file.</exception>
    /// <exception cref="InvalidDataException">A tokenizer file is malformed.</exception>
    internal static ClipTextEncoder Open(PretrainedModel backbone)
    {
        if (backbone.Architecture is not ClipArchitecture architecture)
        {
            throw new ArgumentException($"Texts need a CLIP backbone; '{backbone.Source}' is model_type {backbone.ModelType}.", nameof(backbone));
        }

        var model = (ClipModel)backbone.CreateEncoder();
        try
        {
            return new ClipTextEncoder(model, architecture.CreateTokenizer(backbone, model.Config));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The normalised text embeddings (texts, projection_dim) of <paramref name="texts"/>: each tokenized as CLIPTokenizer
    /// does (truncated to the model's length, the end-of-text token kept), padded to the longest, encoded without gradients.
    /// </summary>
    /// <exception cref="ArgumentException">There are no texts.</exception>
    internal Tensor Encode(IReadOnlyList<string> texts)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var inputs = ClipTextInputs.Pad(texts.Select(t => Tokenizer.Encode(t)).ToList(), Tokenizer.Layout.PadId);
        return ClipModel.Normalize(Model.TextFeatures(inputs.InputIds, inputs.AttentionMask)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
