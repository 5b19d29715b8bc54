// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextEmbedding;

/// <summary>
/// The text embedding's fields of a <see cref="StageArchive"/> folder: its columns, pooling, normalisation and the tokenizer's
/// length; the adapter folder is empty when no adapter is applied (<c>"adapter": false</c>).
/// </summary>
internal static class TextEmbeddingArchive
{
    internal static void Save(TextEmbeddingTransformer transformer, ZipArchive archive, string prefix)
    {
        var network = transformer.Network;
        var fields = new System.Text.Json.Nodes.JsonObject
        {
            ["input_column"] = transformer.InputColumn,
            ["output_column"] = transformer.OutputColumn,
            ["pooling"] = transformer.Pooling.ToString(),
            ["normalize"] = transformer.Normalize,
        };
        TextStageTokenizer.Write(fields, network.Tokenizer);
        StageArchive.Save(archive, prefix, new StageRecord(TextEmbeddingTransformer.Kind, transformer.Backbone, network.Peft, transformer.PredictionBatchSize, network.Tokenizer.Files, fields));
    }

    internal static ITransformer Load(StageLoadContext context)
    {
        var stage = StageArchive.Load(context, "text embedding");
        string poolingName = stage.RequiredString("pooling");
        if (!Enum.TryParse<TextEmbeddingPooling>(poolingName, out var pooling) || !Enum.IsDefined(pooling))
        {
            throw new InvalidDataException($"{stage.Source}: unknown \"pooling\" \"{poolingName}\"; this version reads {string.Join(", ", Enum.GetNames<TextEmbeddingPooling>())}.");
        }

        bool normalize = stage.Fields["normalize"]?.GetValue<bool>() ?? throw new InvalidDataException($"{stage.Source}: missing \"normalize\".");
        var backbone = stage.Backbone.AsText("TextEmbedding");
        var tokenizer = TextStageTokenizer.Read(stage, backbone);
        string input = stage.RequiredString("input_column");
        string output = stage.RequiredString("output_column");
        var encoder = backbone.CreateEncoder();
        return stage.Build(encoder, (peft, device) =>
            new TextEmbeddingTransformer(new TextEmbeddingNetwork(peft, encoder, tokenizer, pooling, normalize, device), input, output, stage.Reference, stage.PredictionBatchSize(TextEmbeddingBuilder.DefaultBatchSize)));
    }
}
