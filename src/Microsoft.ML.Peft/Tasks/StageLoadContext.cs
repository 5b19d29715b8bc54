// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Peft.Backbones;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>What a stage loader is given: the context, the open archive, the stage's folder and how to find its backbone.</summary>
/// <param name="Context">The MLContext the pipeline is loaded with (its GPU settings choose the device).</param>
/// <param name="Archive">The pipeline archive.</param>
/// <param name="Prefix">The stage's folder inside <paramref name="Archive"/>, ending in '/'.</param>
/// <param name="ResolveBackbone">Finds the pretrained model a stage was trained on, from the backbones given to Load or its recorded folder.</param>
/// <param name="ArchivePath">The pipeline file, named in messages about its entries.</param>
internal sealed record StageLoadContext(MLContext Context, ZipArchive Archive, string Prefix, Func<BackboneReference, PretrainedModel> ResolveBackbone, string ArchivePath)
{
    /// <summary>An entry of the archive as messages name it: <c>model.zip!/stages/1/stage.json</c>.</summary>
    internal string Describe(string entryName) => $"{ArchivePath}!/{entryName}";
}
