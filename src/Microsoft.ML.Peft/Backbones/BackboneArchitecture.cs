// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// One family of pretrained backbones, named by the <c>model_type</c> of its Hugging Face <c>config.json</c>, of any modality:
/// how to read and validate its configuration, build the model with fresh weights, where its keys sit in task checkpoints,
/// and which preprocessor files (tokenizer, image processor) a model folder must hold. Loading the weights, fingerprinting
/// them and recording them in a saved pipeline are the same for every modality (<see cref="PretrainedModel"/>,
/// <see cref="BackboneReference"/>); an architecture only describes its shape. Registered with <see cref="BackboneRegistry"/>.
/// </summary>
internal abstract class BackboneArchitecture
{
    /// <summary>The <c>model_type</c> of <c>config.json</c>, e.g. <c>bert</c> or <c>vit</c>.</summary>
    internal abstract string ModelType { get; }

    /// <summary>What the model reads, e.g. <c>text</c> or <c>vision</c>; estimators of one modality refuse backbones of another by it.</summary>
    internal abstract string Modality { get; }

    /// <summary>What the preprocessor is called in messages, e.g. <c>tokenizer</c> or <c>image processor</c>.</summary>
    internal abstract string PreprocessorName { get; }

    /// <summary>Prefixes the backbone's keys may carry in a task checkpoint (e.g. <c>bert.</c> in <c>BertForSequenceClassification</c>).</summary>
    internal abstract IReadOnlyList<string> CheckpointPrefixes { get; }

    /// <summary>Files of a model folder the preprocessor needs; a folder missing one is refused by name.</summary>
    internal abstract IReadOnlyList<string> RequiredPreprocessorFiles { get; }

    /// <summary>Files of a model folder the preprocessor reads when present (e.g. <c>tokenizer_config.json</c>).</summary>
    internal abstract IReadOnlyList<string> OptionalPreprocessorFiles { get; }

    /// <summary>Reads the shape of the backbone from <c>config.json</c>, validating every field it needs.</summary>
    /// <exception cref="InvalidDataException">The configuration is malformed or unsupported; <paramref name="source"/> is named.</exception>
    internal abstract EncoderShape ReadShape(JsonObject config, string source);

    /// <summary>
    /// Builds the backbone with freshly initialised weights from <c>config.json</c>. Its parameter and buffer names must equal
    /// the Hugging Face checkpoint keys (without <see cref="CheckpointPrefixes"/>), which is how weights load and adapters match.
    /// </summary>
    /// <exception cref="InvalidDataException">The configuration is malformed or unsupported; <paramref name="source"/> is named.</exception>
    internal abstract nn.Module CreateEncoder(JsonObject config, string source);

    /// <summary>
    /// The longest input sequence the model and its preprocessor accept, given the shape and the preprocessor files; the shape's
    /// unless the preprocessor sets a lower limit.
    /// </summary>
    /// <exception cref="InvalidDataException">A preprocessor file is malformed.</exception>
    internal virtual int ReadMaxSequenceLength(EncoderShape shape, IReadOnlyDictionary<string, byte[]> preprocessorFiles) => shape.MaxSequenceLength;

    /// <summary>Builds the preprocessor of <paramref name="model"/> from its preprocessor files, at the model's limits.</summary>
    /// <exception cref="InvalidDataException">A preprocessor file is malformed.</exception>
    internal abstract IBackbonePreprocessor CreatePreprocessor(PretrainedModel model);

    /// <summary>
    /// Reopens a model that has no folder (imported from a file or a package) from the <see cref="PretrainedModel.Source"/> a
    /// saved pipeline recorded, so loading the pipeline needs no backbone handed in; null when the source cannot be reopened.
    /// <see cref="BackboneReference"/> checks the fingerprint of what comes back.
    /// </summary>
    /// <exception cref="InvalidDataException">The source exists but no longer holds a model of this architecture.</exception>
    internal virtual PretrainedModel? Reopen(string source) => null;
}
