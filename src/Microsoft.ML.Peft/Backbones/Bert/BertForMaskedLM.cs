// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>
/// Hugging Face's <c>BertForMaskedLM</c>: <c>bert</c> and the head <c>cls.predictions</c> (<c>transform.dense</c>, the activation,
/// <c>transform.LayerNorm</c>, then a decoder tied to <c>bert.embeddings.word_embeddings.weight</c> plus <c>bias</c>).
/// Parameter names are the keys of a saved Hugging Face checkpoint, so <c>cls.predictions.*</c> loads by name and LoRA keys read
/// <c>base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight</c>.
/// </summary>
/// <remarks>
/// Hugging Face builds this model's encoder with <c>add_pooling_layer=False</c>. An encoder built with its pooler (as
/// <see cref="PretrainedModel"/> builds them, to serve every task) works too: the pooler is then unused, stays frozen under PEFT,
/// and its parameters appear as <c>bert.pooler.*</c>.
/// </remarks>
internal sealed class BertForMaskedLM : MaskedLanguageModel
{
    [ComponentName(Name = "bert")]
    private readonly BertModel _bert;
    [ComponentName(Name = "cls")]
    private readonly BertOnlyMLMHead _cls;

    /// <param name="bert">The encoder; not owned (see <see cref="MaskedLanguageModel"/>).</param>
    internal BertForMaskedLM(BertModel bert)
        : base(nameof(BertForMaskedLM))
    {
        _bert = bert;
        _cls = new BertOnlyMLMHead(bert.Config);
        RegisterComponents();
    }

    internal override TextEncoder Encoder => _bert;

    internal override string EncoderName => "bert";

    internal override nn.Module Head => _cls;

    internal override string HeadName => "cls";

    internal override long VocabularySize => _bert.Config.VocabSize;

    /// <summary>Gets the decoder's weight: the word-embedding matrix itself (weight tying), not a copy.</summary>
    internal Tensor DecoderWeight => _bert.WordEmbeddingWeight;

    protected override Tensor Predict(Tensor hidden) => _cls.call(hidden, _bert.WordEmbeddingWeight);
}
