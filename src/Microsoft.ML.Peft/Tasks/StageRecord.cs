// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>What a stage writes through <see cref="StageArchive.Save"/>: the parts every task has, and the task's own fields.</summary>
/// <param name="Kind">The stage kind, the key of its loader in <see cref="StageLoaderRegistry"/>.</param>
/// <param name="Backbone">The pretrained model the stage was trained on.</param>
/// <param name="Peft">The adapted network; its adapter and head are written in Hugging Face PEFT's format.</param>
/// <param name="PredictionBatchSize">Rows predicted at once by the loaded transformer.</param>
/// <param name="PreprocessorFiles">The preprocessor's files (a tokenizer's vocabulary), by name.</param>
/// <param name="TaskFields">The task's fields of <c>stage.json</c> (columns, classes, sequence length), in the order they are written.</param>
internal sealed record StageRecord(
    string Kind,
    BackboneReference Backbone,
    PeftModel Peft,
    int PredictionBatchSize,
    IReadOnlyDictionary<string, byte[]> PreprocessorFiles,
    JsonObject TaskFields)
{
    /// <summary>The folder of the preprocessor's files, ending in '/'.</summary>
    internal string PreprocessorFolder { get; init; } = StageArchive.TokenizerFolder;
}
