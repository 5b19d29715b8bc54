// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>Reading and writing entries of a model archive, naming the archive and entry when one is missing or malformed.</summary>
internal static class ArchiveEntries
{
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

    /// <summary>Writes <paramref name="json"/> indented as the entry <paramref name="name"/>.</summary>
    internal static void WriteJson(ZipArchive zip, string name, JsonObject json) =>
        WriteEntry(zip, name, s => JsonSerializer.Serialize(s, json, new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Writes <paramref name="files"/> as entries under <paramref name="prefix"/>, in name order so archives compare.</summary>
    internal static void WriteFolder(ZipArchive zip, string prefix, IReadOnlyDictionary<string, byte[]> files)
    {
        foreach (var (name, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            WriteEntry(zip, prefix + name, s => s.Write(bytes));
        }
    }

    /// <summary>The files directly under <paramref name="prefix"/>, by name.</summary>
    internal static Dictionary<string, byte[]> ReadFolder(ZipArchive zip, string prefix, string source) =>
        zip.Entries
            .Where(e => e.FullName.StartsWith(prefix, StringComparison.Ordinal) && e.Name.Length > 0)
            .ToDictionary(e => e.Name, e => ReadBytes(zip, e.FullName, source), StringComparer.Ordinal);

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

    /// <summary>Loads the adapter stored under <paramref name="prefix"/> onto <paramref name="network"/> (through a temporary folder).</summary>
    /// <exception cref="InvalidDataException">An adapter file is malformed; the message names the archive and the entry.</exception>
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
        catch (InvalidDataException ex) when (ex.Message.Contains(temporary, StringComparison.Ordinal))
        {
            // The temporary folder means nothing to the user: name the archive and its entries instead.
            throw new InvalidDataException(ex.Message.Replace(temporary, $"{source}!/{prefix.TrimEnd('/')}", StringComparison.Ordinal), ex);
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }
}
