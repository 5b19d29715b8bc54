// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Bert;

namespace Microsoft.ML.Peft.Tests.Backbones.Bert;

/// <summary>Reading BERT-family <c>config.json</c> files.</summary>
public sealed class BertConfigTests
{
    [Fact]
    public void FromJson_NoPadTokenId_UsesTheCallersDefault()
    {
        Assert.Equal(0, BertConfig.FromJson(Minimal(), "config.json").PadTokenId);
        Assert.Equal(1, BertConfig.FromJson(Minimal(), "config.json", defaultPadTokenId: 1).PadTokenId);
    }

    [Theory]
    [InlineData("relative_key")]
    [InlineData("relative_key_query")]
    public void FromJson_RelativePositionEmbeddings_AreRefusedByName(string type)
    {
        var json = Minimal();
        json["position_embedding_type"] = type;

        var error = Assert.Throws<InvalidDataException>(() => BertConfig.FromJson(json, "folder/config.json"));

        Assert.Contains("folder/config.json", error.Message);
        Assert.Contains("position_embedding_type", error.Message);
        Assert.Contains(type, error.Message);
    }

    [Fact]
    public void FromJson_AbsolutePositionEmbeddings_AreAccepted()
    {
        var json = Minimal();
        json["position_embedding_type"] = "absolute";

        Assert.Equal(16, BertConfig.FromJson(json, "config.json").HiddenSize);
    }

    private static JsonObject Minimal() => new()
    {
        ["vocab_size"] = 30,
        ["hidden_size"] = 16,
        ["num_hidden_layers"] = 1,
        ["num_attention_heads"] = 2,
        ["intermediate_size"] = 32,
        ["max_position_embeddings"] = 20,
    };
}
