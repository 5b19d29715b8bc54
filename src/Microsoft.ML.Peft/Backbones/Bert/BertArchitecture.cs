// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>BERT and its same-named relatives (MiniLM, PubMedBERT, BioBERT): WordPiece, <c>[CLS] a [SEP] b [SEP]</c>.</summary>
internal sealed class BertArchitecture : TextArchitecture
{
    internal static readonly BertArchitecture Instance = new();

    private BertArchitecture()
    {
    }

    internal override string ModelType => "bert";

    internal override IReadOnlyList<string> CheckpointPrefixes { get; } = new[] { "bert." };

    internal override IReadOnlyList<string> DefaultTargetModules { get; } = new[] { "query", "value" };

    internal override IReadOnlyList<string> AttentionProjectionModules { get; } = new[] { "query", "key", "value" };

    internal override IReadOnlyList<string> SequenceClassifierHeadModules { get; } = new[] { "classifier", "score" };

    internal override string SequenceClassifierClassName => "BertForSequenceClassification";

    internal override string TokenClassifierClassName => "BertForTokenClassification";

    internal override IReadOnlyList<string> RequiredPreprocessorFiles { get; } = new[] { WordPieceTokenizerFactory.VocabFileName };

    internal override IReadOnlyList<string> OptionalPreprocessorFiles { get; } = new[] { WordPieceTokenizerFactory.TokenizerConfigFileName };

    internal override EncoderShape ReadShape(JsonObject config, string source)
    {
        var bert = BertConfig.FromJson(config, source);
        return new EncoderShape(bert.HiddenSize, bert.NumHiddenLayers, bert.MaxPositionEmbeddings);
    }

    internal override TextEncoder CreateEncoder(JsonObject config, string source) => new BertModel(BertConfig.FromJson(config, source));

    internal override TextTokenizer CreateTokenizer(IReadOnlyDictionary<string, byte[]> files, int maxLength) =>
        TextTokenizer.ForBert(WordPieceTokenizerFactory.Create(files, "tokenizer files"), maxLength, files);

    internal override SequenceClassifierModel CreateSequenceClassifier(TextEncoder encoder, int labelCount) =>
        new BertForSequenceClassification((BertModel)encoder, labelCount);

    internal override TokenClassifierModel CreateTokenClassifier(TextEncoder encoder, int labelCount) =>
        new BertForTokenClassification((BertModel)encoder, labelCount);

    internal override MaskedLanguageModel CreateMaskedLanguageModel(TextEncoder encoder) => new BertForMaskedLM((BertModel)encoder);
}
