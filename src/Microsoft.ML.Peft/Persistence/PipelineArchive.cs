// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Persistence;

/// <summary>
/// The zip a whole pipeline is saved to:
/// <c>manifest.json</c> (format, version, ordered stages), <c>input-schema.zip</c> (an empty ML.NET chain that carries the input
/// schema), and per stage either <c>stages/N/mlnet.zip</c> (consecutive ML.NET transformers, written by ML.NET itself) or the
/// folder <c>stages/N/</c> a PEFT transformer writes.
/// </summary>
internal static class PipelineArchive
{
    internal const string Format = "Microsoft.ML.Peft.Pipeline";
    internal const int Version = 1;
    private const string ManifestEntry = "manifest.json";
    private const string InputSchemaEntry = "input-schema.zip";
    private const string MlNetKind = "mlnet";

    private static readonly Dictionary<string, StageLoader> s_loaders = new(StringComparer.Ordinal)
    {
        [LoraTextClassificationTransformer.Kind] = LoraTextClassificationTransformer.LoadFrom,
        [LoraNamedEntityRecognitionTransformer.Kind] = LoraNamedEntityRecognitionTransformer.LoadFrom,
    };

    /// <summary>Reads one PEFT stage back from the archive.</summary>
    internal delegate ITransformer StageLoader(MLContext context, ZipArchive archive, string prefix, IReadOnlyList<PretrainedModel> backbones);

    internal static void Save(MLContext context, ITransformer model, DataViewSchema inputSchema, string path)
    {
        var stages = Flatten(model).ToList();
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            WriteEntry(zip, InputSchemaEntry, s => context.Model.Save(new TransformerChain<ITransformer>(), inputSchema, s));
            var manifest = new JsonArray();
            var pending = new List<ITransformer>();
            var schema = inputSchema;
            var pendingSchema = inputSchema;

            void FlushMlNet()
            {
                if (pending.Count == 0)
                {
                    return;
                }

                string entry = $"stages/{manifest.Count}/mlnet.zip";
                var chain = new TransformerChain<ITransformer>(pending.ToArray());
                WriteEntry(zip, entry, s => context.Model.Save(chain, pendingSchema, s));
                manifest.Add(new JsonObject { ["kind"] = MlNetKind, ["entry"] = entry });
                pending.Clear();
            }

            foreach (var stage in stages)
            {
                if (stage is IPersistablePeftTransformer peft)
                {
                    FlushMlNet();
                    string prefix = $"stages/{manifest.Count}/";
                    peft.SaveTo(zip, prefix);
                    manifest.Add(new JsonObject { ["kind"] = peft.StageKind, ["entry"] = prefix });
                }
                else
                {
                    if (pending.Count == 0)
                    {
                        pendingSchema = schema;
                    }

                    pending.Add(stage);
                }

                schema = stage.GetOutputSchema(schema);
            }

            FlushMlNet();
            var document = new JsonObject { ["format"] = Format, ["version"] = Version, ["stages"] = manifest };
            WriteEntry(zip, ManifestEntry, s => s.Write(System.Text.Encoding.UTF8.GetBytes(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))));
        });
    }

    internal static ITransformer Load(MLContext context, string path, IReadOnlyList<PretrainedModel> backbones, out DataViewSchema inputSchema)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The model file '{path}' does not exist.", path);
        }

        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"'{path}' is not a zip archive: {ex.Message}", ex);
        }

        using (zip)
        {
            var manifest = ReadManifest(zip, path);
            inputSchema = LoadSchema(context, zip, path);
            var stages = new List<ITransformer>();
            foreach (var node in manifest)
            {
                string kind = node?["kind"]?.GetValue<string>() ?? throw new InvalidDataException($"'{path}': a stage in {ManifestEntry} has no \"kind\".");
                string entry = node["entry"]?.GetValue<string>() ?? throw new InvalidDataException($"'{path}': stage '{kind}' has no \"entry\".");
                if (kind == MlNetKind)
                {
                    stages.AddRange(Flatten(LoadMlNet(context, zip, entry, path, out _)));
                }
                else if (s_loaders.TryGetValue(kind, out var loader))
                {
                    stages.Add(loader(context, zip, entry, backbones));
                }
                else
                {
                    throw new InvalidDataException($"'{path}' has a stage of kind '{kind}', which this version of Microsoft.ML.Peft cannot load; known: {string.Join(", ", s_loaders.Keys)}.");
                }
            }

            return new TransformerChain<ITransformer>(stages.ToArray());
        }
    }

    /// <summary>Reads a JSON entry, naming the archive and entry when it is missing or malformed.</summary>
    internal static JsonObject ReadJson(ZipArchive zip, string entryName, string source)
    {
        var entry = zip.GetEntry(entryName) ?? throw new InvalidDataException($"'{source}' has no entry '{entryName}'; the file is damaged or was not written by Microsoft.ML.Peft.");
        try
        {
            using var stream = entry.Open();
            return JsonNode.Parse(stream) as JsonObject ?? throw new InvalidDataException($"'{source}': '{entryName}' must hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{source}': '{entryName}' is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads an entry's bytes, naming the archive and entry when it is missing.</summary>
    internal static byte[] ReadBytes(ZipArchive zip, string entryName, string source)
    {
        var entry = zip.GetEntry(entryName) ?? throw new InvalidDataException($"'{source}' has no entry '{entryName}'; the file is damaged or was not written by Microsoft.ML.Peft.");
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Writes an entry through a memory buffer, because ML.NET's writer may close the stream it is given.</summary>
    internal static void WriteEntry(ZipArchive zip, string name, Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        entry.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes an adapter (saved by <paramref name="saveAdapter"/> into a temporary folder) as entries under <paramref name="prefix"/>.</summary>
    internal static void WriteAdapter(ZipArchive zip, string prefix, Action<string> saveAdapter)
    {
        string temporary = Directory.CreateTempSubdirectory("peft-adapter-").FullName;
        try
        {
            saveAdapter(temporary);
            foreach (string file in Directory.GetFiles(temporary).Order(StringComparer.Ordinal))
            {
                WriteEntry(zip, prefix + Path.GetFileName(file), s => s.Write(File.ReadAllBytes(file)));
            }
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>The files directly under <paramref name="prefix"/>, by name.</summary>
    internal static Dictionary<string, byte[]> ReadFolder(ZipArchive zip, string prefix, string source) =>
        zip.Entries
            .Where(e => e.FullName.StartsWith(prefix, StringComparison.Ordinal) && e.Name.Length > 0)
            .ToDictionary(e => e.Name, e => ReadBytes(zip, e.FullName, source), StringComparer.Ordinal);

    /// <summary>Loads the adapter stored under <paramref name="prefix"/> onto <paramref name="network"/> (through a temporary folder).</summary>
    internal static PeftModel ReadAdapter(ZipArchive zip, string prefix, string source, TorchSharp.torch.nn.Module network)
    {
        string temporary = Directory.CreateTempSubdirectory("peft-adapter-").FullName;
        try
        {
            foreach (var (name, bytes) in ReadFolder(zip, prefix, source))
            {
                File.WriteAllBytes(Path.Combine(temporary, name), bytes);
            }

            return PeftModel.FromPretrained(network, temporary);
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>A given backbone with the same weights, else the recorded folder if it still exists.</summary>
    /// <exception cref="InvalidOperationException">Neither; the message says to pass the backbone to Load.</exception>
    internal static PretrainedModel ResolveBackbone(Backbones.BackboneReference reference, IReadOnlyList<PretrainedModel> backbones) => reference.Resolve(backbones);

    private static IEnumerable<ITransformer> Flatten(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : new[] { model };

    private static JsonArray ReadManifest(ZipArchive zip, string path)
    {
        if (zip.GetEntry(ManifestEntry) is null)
        {
            throw new InvalidDataException(
                $"'{path}' has no {ManifestEntry}, so it was not saved by mlContext.Peft().Model.Save or it is damaged. A model saved by mlContext.Model.Save is loaded with mlContext.Model.Load.");
        }

        var manifest = ReadJson(zip, ManifestEntry, path);
        if (manifest["format"]?.GetValue<string>() != Format)
        {
            throw new InvalidDataException($"'{path}' is not a pipeline saved by mlContext.Peft().Model.Save (format \"{manifest["format"]}\"). A model saved by mlContext.Model.Save is loaded with mlContext.Model.Load.");
        }

        int version = manifest["version"]?.GetValue<int>() ?? 0;
        if (version != Version)
        {
            throw new InvalidDataException($"'{path}' has pipeline format version {version}; this version of Microsoft.ML.Peft reads version {Version}.");
        }

        return manifest["stages"] as JsonArray ?? throw new InvalidDataException($"'{path}': {ManifestEntry} has no \"stages\" list.");
    }

    private static DataViewSchema LoadSchema(MLContext context, ZipArchive zip, string path)
    {
        LoadMlNet(context, zip, InputSchemaEntry, path, out var schema);
        return schema;
    }

    private static ITransformer LoadMlNet(MLContext context, ZipArchive zip, string entry, string path, out DataViewSchema schema)
    {
        using var buffer = new MemoryStream(ReadBytes(zip, entry, path));
        return context.Model.Load(buffer, out schema);
    }
}
