// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Tests.Formats;

public sealed class PeftStateDictKeysTests
{
    // Examples of PEFT's _remove_adapter_name_from_state_dict_key (peft/tuners/tuners_utils.py).
    [Theory]
    [InlineData("model.q_proj.lora_A.default.weight", "default", "model.q_proj.lora_A.weight")]
    [InlineData("model.q_proj.lora_B.default.bias", "default", "model.q_proj.lora_B.bias")]
    [InlineData("x.lora_embedding_A.default", "default", "x.lora_embedding_A")]
    [InlineData("x.lora_magnitude_vector.default", "default", "x.lora_magnitude_vector")]
    [InlineData("default.lin.lora_A.default.weight", "default", "default.lin.lora_A.weight")]
    [InlineData("encoder.default.query.lora_A.default.weight", "default", "encoder.default.query.lora_A.weight")]
    [InlineData("encoder.default.query.lora_embedding_A.default", "default", "encoder.default.query.lora_embedding_A")]
    [InlineData("v_proj.lora_A.other.weight", "other", "v_proj.lora_A.weight")]
    [InlineData("v_proj.lora_A.other.weight", "default", "v_proj.lora_A.other.weight")]
    [InlineData("v_proj.lora_A.mydefault.weight", "default", "v_proj.lora_A.mydefault.weight")]
    [InlineData("default", "default", "default")]
    [InlineData("classifier.weight", "default", "classifier.weight")]
    public void PeftStateDictKeys_RemoveAdapterName_MatchesPeft(string key, string adapter, string expected) =>
        Assert.Equal(expected, PeftStateDictKeys.RemoveAdapterName(key, adapter));

    [Theory]
    [InlineData("model.q_proj.lora_A.default.weight", "default", true)]
    [InlineData("x.lora_embedding_A.default", "default", true)]
    [InlineData("x.lora_magnitude_vector.default", "default", true)]
    [InlineData("model.q_proj.lora_A.other.weight", "other", true)]
    [InlineData("model.q_proj.lora_A.other.weight", "default", false)]
    [InlineData("x.lora_embedding_A.other", "default", false)]
    [InlineData("default.lin.weight", "default", false)]
    [InlineData("default.lin.lora_A.weight", "default", false)]
    [InlineData("model.q_proj.lora_A.mydefault.weight", "default", false)]
    [InlineData("default", "default", false)]
    [InlineData("default.weight", "default", false)]
    public void PeftStateDictKeys_BelongsToAdapter_ChecksLastTwoSegments(string name, string adapter, bool expected) =>
        Assert.Equal(expected, PeftStateDictKeys.BelongsToAdapter(name, adapter));

    [Theory]
    [InlineData("bert.encoder.layer.0.attention.self.query", "lora_A.weight", "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight")]
    [InlineData("classifier", "weight", "base_model.model.classifier.weight")]
    [InlineData("", "prompt_embeddings", "base_model.model.prompt_embeddings")]
    public void PeftStateDictKeys_ForModule_PrefixesBaseModel(string modulePath, string relativeName, string expected) =>
        Assert.Equal(expected, PeftStateDictKeys.ForModule(modulePath, relativeName));
}
