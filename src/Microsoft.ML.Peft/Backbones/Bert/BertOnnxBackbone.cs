// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>What <see cref="PretrainedModel.FromOnnx(Stream, Stream, string, bool, int?)"/> does: a BERT ONNX export and its WordPiece vocabulary as a pretrained model.</summary>
internal static class BertOnnxBackbone
{
    /// <summary>Imports the export's weights (kept in memory) with the vocabulary as the tokenizer's files.</summary>
    /// <exception cref="InvalidDataException">The stream is not a plain BERT ONNX export.</exception>
    internal static PretrainedModel Import(Stream onnxModel, Stream vocabulary, string sourceName, bool lowerCase, int? numAttentionHeads)
    {
        using var buffer = new MemoryStream();
        vocabulary.CopyTo(buffer);
        var tokenizerFiles = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [WordPieceTokenizerFactory.VocabFileName] = buffer.ToArray(),
            [WordPieceTokenizerFactory.TokenizerConfigFileName] = System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["do_lower_case"] = lowerCase }.ToJsonString()),
        };

        var import = BertOnnxImporter.Import(onnxModel, sourceName, numAttentionHeads);
        try
        {
            var untrained = import.HasPooler ? Array.Empty<string>() : new[] { "pooler" };
            return PretrainedModel.FromMemory(BertArchitecture.Instance, import.Config.ToJson(), import.StateDict, tokenizerFiles, sourceName, untrained);
        }
        catch
        {
            import.Dispose();
            throw;
        }
    }
}
