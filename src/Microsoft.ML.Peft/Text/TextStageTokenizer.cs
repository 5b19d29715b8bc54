// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text;

/// <summary>
/// A text stage's tokenizer in its saved folder: the tokenizer's files are the stage's preprocessor files and its length is
/// the <c>max_sequence_length</c> field, so a loaded model tokenizes exactly as the trained one did.
/// </summary>
internal static class TextStageTokenizer
{
    private const string MaxSequenceLengthField = "max_sequence_length";

    /// <summary>Adds the tokenizer's length to the stage's fields; its files go to <see cref="StageRecord.PreprocessorFiles"/>.</summary>
    internal static void Write(JsonObject fields, TextTokenizer tokenizer) => fields[MaxSequenceLengthField] = tokenizer.MaxLength;

    /// <summary>The saved tokenizer, rebuilt by the stage's backbone from the saved files; the backbone's length when none was saved.</summary>
    internal static TextTokenizer Read(LoadedStage stage, TextBackbone backbone) =>
        backbone.Architecture.CreateTokenizer(stage.PreprocessorFiles, stage.Fields[MaxSequenceLengthField]?.GetValue<int>() ?? backbone.MaxSequenceLength);
}
