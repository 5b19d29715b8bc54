// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones;

/// <summary><see cref="PretrainedModel.FromOnnx(Stream, Stream, string, bool, int?)"/>: the NuGet-only route to a real pretrained model.</summary>
public sealed class PretrainedModelOnnxTests
{
    [SharedFixtureFact("all-MiniLM-L6-v2")]
    public void FromOnnx_MiniLmPackage_ReproducesGoldenEmbeddingsLikeTheSafetensorsFolder()
    {
        using var onnx = MiniLmOnnx.OpenModel();
        using var vocab = MiniLmOnnx.OpenVocab();
        var fromOnnx = PretrainedModel.FromOnnx(onnx, vocab, "all-MiniLM-L6-v2 (package)");
        var fromFolder = PretrainedModel.FromDirectory(SharedFixtures.Path("all-MiniLM-L6-v2"));

        Assert.Equal(("bert", 384, 6, 512), (fromOnnx.ModelType, fromOnnx.HiddenSize, fromOnnx.LayerCount, fromOnnx.MaxSequenceLength));
        Assert.Empty(fromOnnx.UntrainedModules);
        Assert.Equal(fromFolder.GetFingerprint(), fromOnnx.GetFingerprint());

        using var scope = NewDisposeScope();
        using var encoder = (BertModel)fromOnnx.CreateEncoder();
        var tokenizer = fromOnnx.AsText("test").CreateTokenizer();
        foreach (var (text, inputIds, embedding) in MiniLmOnnx.GoldenSentences())
        {
            var encoded = tokenizer.Encode(text);
            Assert.Equal(inputIds.Select(i => (long)i), encoded.InputIds);
            var actual = MiniLmOnnx.Embed(encoder, new IReadOnlyList<int>[] { inputIds }).squeeze(0);
            double cosine = nn.functional.cosine_similarity(actual, tensor(embedding), 0).item<float>();
            Assert.True(cosine >= 0.99999, $"cosine {cosine:F7} for \"{text}\"");
        }
    }

    [Fact]
    public void FromOnnx_CorruptModel_IsRefusedNamingTheSource()
    {
        using var onnx = new MemoryStream(new byte[] { 0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3 });
        using var vocab = new MemoryStream("[PAD]\n[UNK]\n[CLS]\n[SEP]\n"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => PretrainedModel.FromOnnx(onnx, vocab, "broken.onnx"));
        Assert.Contains("broken.onnx", error.Message);
    }

    [Fact]
    public void FromOnnx_MissingFile_NamesIt()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N") + ".onnx");
        var error = Assert.Throws<FileNotFoundException>(() => PretrainedModel.FromOnnx(missing, missing + ".vocab"));
        Assert.Contains(missing, error.Message);
    }
}
