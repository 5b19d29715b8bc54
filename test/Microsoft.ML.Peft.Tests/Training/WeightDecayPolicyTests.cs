// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class WeightDecayPolicyTests
{
    [Theory]
    [InlineData("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.default.weight", true)]
    [InlineData("base_model.model.classifier.modules_to_save.default.weight", true)]
    [InlineData("base_model.model.query.lora_magnitude_vector.default.weight", true)]
    [InlineData("embeddings.word_embeddings.weight", true)]
    [InlineData("base_model.model.classifier.modules_to_save.default.bias", false)]
    [InlineData("bias", false)]
    [InlineData("bert.embeddings.LayerNorm.weight", false)]
    [InlineData("encoder.layer.1.norm.weight", false)]
    [InlineData("model.layers.0.input_layernorm.weight", false)]
    [InlineData("transformer.ln_f.weight", false)]
    [InlineData("transformer.h.0.ln_1.weight", false)]
    public void AppliesTo_HuggingFaceNames_SkipsBiasesAndNormalizationWeights(string name, bool decayed)
    {
        Assert.Equal(decayed, WeightDecayPolicy.AppliesTo(name));
    }
}
