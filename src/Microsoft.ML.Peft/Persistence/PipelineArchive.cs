// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Extensibility;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Tasks;

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

    internal static void Save(MLContext context, ITransformer model, DataViewSchema inputSchema, string path)
    {
        var stages = Flatten(model).ToList();
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            ArchiveEntries.WriteEntry(zip, InputSchemaEntry, s => context.Model.Save(new TransformerChain<ITransformer>(), inputSchema, s));
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
                ArchiveEntries.WriteEntry(zip, entry, s => context.Model.Save(chain, pendingSchema, s));
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
            ArchiveEntries.WriteEntry(zip, ManifestEntry, s => s.Write(System.Text.Encoding.UTF8.GetBytes(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))));
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
                else
                {
                    stages.Add(FindLoader(kind, path)(new StageLoadContext(context, zip, entry, reference => ResolveBackbone(reference, backbones), path)));
                }
            }

            return new TransformerChain<ITransformer>(stages.ToArray());
        }
    }

    /// <summary>The loader of <paramref name="kind"/>; on a miss, the extension assemblies are loaded (they register their stages) and the table is asked again.</summary>
    /// <exception cref="InvalidDataException">No loader is registered for <paramref name="kind"/>.</exception>
    private static StageLoader FindLoader(string kind, string path)
    {
        if (StageLoaderRegistry.TryGet(kind, out var loader))
        {
            return loader;
        }

        ExtensionAssemblies.EnsureLoaded();
        return StageLoaderRegistry.TryGet(kind, out loader)
            ? loader
            : throw new InvalidDataException($"'{path}' has a stage of kind '{kind}', which this version of Microsoft.ML.Peft cannot load; known: {string.Join(", ", StageLoaderRegistry.Kinds)}.");
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

        var manifest = ArchiveEntries.ReadJson(zip, ManifestEntry, path);
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
        using var buffer = new MemoryStream(ArchiveEntries.ReadBytes(zip, entry, path));
        return context.Model.Load(buffer, out schema);
    }
}
