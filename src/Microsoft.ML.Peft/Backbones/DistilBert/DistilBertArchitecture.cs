// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>DistilBERT: BERT's WordPiece and <c>[CLS] a [SEP] b [SEP]</c>, without token types; 6 layers of q_lin/k_lin/v_lin/out_lin.</summary>
internal sealed class DistilBertArchitecture : TextArchitecture
{
    internal static readonly DistilBertArchitecture Instance = new();

    private DistilBertArchitecture()
    {
    }

    internal override string ModelType => "distilbert";

    internal override IReadOnlyList<string> CheckpointPrefixes { get; } = new[] { "distilbert." };

    /// <summary>
    /// PEFT's mapping has no <c>distilbert</c> entry (Python asks for target_modules); these are the counterparts of BERT's
    /// query/value, and what the published DistilBERT LoRA adapters target.
    /// </summary>
    internal override IReadOnlyList<string> DefaultTargetModules { get; } = new[] { "q_lin", "v_lin" };

    internal override IReadOnlyList<string> AttentionProjectionModules { get; } = new[] { "q_lin", "k_lin", "v_lin" };

    /// <summary>
    /// Both head layers: PEFT's default "classifier" also matches <c>pre_classifier</c> by suffix, so Python adapters save both.
    /// </summary>
    internal override IReadOnlyList<string> SequenceClassifierHeadModules { get; } = new[] { "pre_classifier", "classifier" };

    internal override string SequenceClassifierClassName => "DistilBertForSequenceClassification";

    internal override string TokenClassifierClassName => "DistilBertForTokenClassification";

    internal override IReadOnlyList<string> RequiredPreprocessorFiles { get; } = new[] { WordPieceTokenizerFactory.VocabFileName };

    internal override IReadOnlyList<string> OptionalPreprocessorFiles { get; } = new[] { WordPieceTokenizerFactory.TokenizerConfigFileName };

    internal override EncoderShape ReadShape(JsonObject config, string source)
    {
        var distilbert = DistilBertConfig.FromJson(config, source);
        return new EncoderShape(distilbert.Dim, distilbert.NLayers, distilbert.MaxPositionEmbeddings);
    }

    internal override TextEncoder CreateEncoder(JsonObject config, string source) => new DistilBertModel(DistilBertConfig.FromJson(config, source));

    // DistilBertTokenizer returns no token_type_ids; the model would ignore them anyway, so they are all 0.
    internal override TextTokenizer CreateTokenizer(IReadOnlyDictionary<string, byte[]> files, int maxLength) =>
        TextTokenizer.ForBert(WordPieceTokenizerFactory.Create(files, "tokenizer files"), maxLength, files, secondSegmentHasTypeOne: false);

    internal override SequenceClassifierModel CreateSequenceClassifier(TextEncoder encoder, int labelCount) =>
        new DistilBertForSequenceClassification((DistilBertModel)encoder, labelCount);

    internal override TokenClassifierModel CreateTokenClassifier(TextEncoder encoder, int labelCount) =>
        new DistilBertForTokenClassification((DistilBertModel)encoder, labelCount);
}
