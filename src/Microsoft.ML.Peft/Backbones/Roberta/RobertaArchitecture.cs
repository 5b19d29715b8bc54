// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Backbones.Roberta;

/// <summary>RoBERTa: BERT's layers, fairseq positions, byte-level BPE, <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c>.</summary>
internal sealed class RobertaArchitecture : TextArchitecture
{
    internal static readonly RobertaArchitecture Instance = new();

    // RobertaConfig's default, where BertConfig's is 0.
    private const int DefaultPadTokenId = 1;

    private RobertaArchitecture()
    {
    }

    internal override string ModelType => "roberta";

    internal override IReadOnlyList<string> CheckpointPrefixes { get; } = new[] { "roberta." };

    internal override IReadOnlyList<string> DefaultTargetModules { get; } = new[] { "query", "value" };

    internal override IReadOnlyList<string> AttentionProjectionModules { get; } = new[] { "query", "key", "value" };

    /// <summary>The whole <see cref="RobertaClassificationHead"/> (<c>dense</c> and <c>out_proj</c>).</summary>
    internal override IReadOnlyList<string> SequenceClassifierHeadModules { get; } = new[] { "classifier" };

    // RobertaClassificationHead: dense, then out_proj to the classes.
    internal override string SequenceClassifierOutputModule => "classifier.out_proj";

    internal override string SequenceClassifierClassName => "RobertaForSequenceClassification";

    internal override string TokenClassifierClassName => "RobertaForTokenClassification";

    internal override IReadOnlyList<string> RequiredPreprocessorFiles { get; } = new[] { RobertaTokenizerFactory.VocabFileName, RobertaTokenizerFactory.MergesFileName };

    internal override IReadOnlyList<string> OptionalPreprocessorFiles { get; } = new[] { WordPieceTokenizerFactory.TokenizerConfigFileName };

    internal override EncoderShape ReadShape(JsonObject config, string source)
    {
        var roberta = ReadConfig(config, source);
        return new EncoderShape(roberta.HiddenSize, roberta.NumHiddenLayers, RobertaModel.MaxSequenceLengthOf(roberta));
    }

    internal override TextEncoder CreateEncoder(JsonObject config, string source) => new RobertaModel(ReadConfig(config, source));

    internal override TextTokenizer CreateTokenizer(IReadOnlyDictionary<string, byte[]> files, int maxLength) =>
        RobertaTokenizerFactory.Create(files, maxLength, "tokenizer files");

    internal override SequenceClassifierModel CreateSequenceClassifier(TextEncoder encoder, int labelCount) =>
        new RobertaForSequenceClassification((RobertaModel)encoder, labelCount);

    internal override TokenClassifierModel CreateTokenClassifier(TextEncoder encoder, int labelCount) =>
        new RobertaForTokenClassification((RobertaModel)encoder, labelCount);

    /// <exception cref="InvalidDataException">A field is missing, malformed or unsupported.</exception>
    internal static BertConfig ReadConfig(JsonObject config, string source)
    {
        var roberta = BertConfig.FromJson(config, source, DefaultPadTokenId);
        if (roberta.MaxPositionEmbeddings <= roberta.PadTokenId + 1)
        {
            throw new InvalidDataException(
                $"'{source}': `max_position_embeddings` ({roberta.MaxPositionEmbeddings}) must exceed `pad_token_id` + 1 ({roberta.PadTokenId + 1}), "
                + "because RoBERTa numbers positions from pad_token_id + 1.");
        }

        return roberta;
    }
}
