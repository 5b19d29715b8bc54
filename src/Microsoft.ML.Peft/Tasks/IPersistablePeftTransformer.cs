// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>A PEFT transformer that writes itself as a folder inside a pipeline archive.</summary>
internal interface IPersistablePeftTransformer : ITransformer
{
    /// <summary>The stage kind recorded in the manifest; <see cref="StageLoaderRegistry"/> maps it back to a loader.</summary>
    string StageKind { get; }

    /// <summary>Writes the transformer's entries under <paramref name="prefix"/> (ending in '/').</summary>
    void SaveTo(ZipArchive archive, string prefix);
}
