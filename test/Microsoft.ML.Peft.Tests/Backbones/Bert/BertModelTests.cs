// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.Bert;

/// <summary>The BERT encoder: Hugging Face names, checkpoint loading, and all-MiniLM-L6-v2's golden embeddings.</summary>
public sealed class BertModelTests : IDisposable
{
    private const string MiniLm = "all-MiniLM-L6-v2";
    private static readonly BertConfig s_tiny = new(50, 16, 2, 4, 32, 24, 2, 1e-12, 0.1, 0.1, "gelu", 0);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-bert-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SharedFixtureFact(MiniLm)]
    public void MiniLm_FromSafetensorsFolder_ReproducesGoldenIdsAndEmbeddings()
    {
        using var scope = NewDisposeScope();
        var (model, tokenizer) = LoadMiniLm();
        using var modelScope = model;
        foreach (var sentence in GoldenSentences())
        {
            var ids = tokenizer.EncodeToIds(sentence.Text);
            Assert.Equal(sentence.InputIds, ids);
            var embedding = Embed(model, new[] { ids }).squeeze(0);
            double cosine = nn.functional.cosine_similarity(embedding, tensor(sentence.Embedding), 0).item<float>();
            Assert.True(cosine >= 0.99999, $"cosine {cosine:F7} for \"{sentence.Text}\"");

            // Tighter than the cosine: the golden values carry 7 decimals, so an approximated activation shows here.
            ModelState.AssertClose(tensor(sentence.Embedding), embedding, 2e-5, $"embedding of \"{sentence.Text}\"");
        }
    }

    [SharedFixtureFact(MiniLm)]
    public void MiniLm_PaddedBatch_GivesTheSameEmbeddingsAsSingleSentences()
    {
        using var scope = NewDisposeScope();
        var (model, tokenizer) = LoadMiniLm();
        using var modelScope = model;
        var sentences = GoldenSentences();
        var batch = Embed(model, sentences.Select(s => tokenizer.EncodeToIds(s.Text)).ToArray());
        for (int i = 0; i < sentences.Count; i++)
        {
            ModelState.AssertClose(tensor(sentences[i].Embedding), batch[i], 1e-5, $"padded embedding of sentence {i}");
        }
    }

    [SharedFixtureFact(MiniLm)]
    public void MiniLm_WithLoraOnQueryValue_CountsPeftParametersAndIsNoOpAtInit()
    {
        using var scope = NewDisposeScope();
        var (model, tokenizer) = LoadMiniLm();
        using var modelScope = model;
        var ids = tokenizer.EncodeToIds(GoldenSentences()[0].Text);
        var before = Embed(model, new[] { ids });

        using var peft = PeftModel.Create(model, new LoraConfig { Rank = 8, Alpha = 16, TargetModules = ModuleSelector.FromNames("query", "value") });

        Assert.Equal(6 * 2 * 8 * (384 + 384), peft.GetTrainableParameterReport().TrainableParameters);
        Assert.Equal(12, peft.GetTargetModules("default").Count);
        ModelState.AssertClose(before, Embed(model, new[] { ids }), 1e-6, "embedding with a fresh adapter");
    }

    [Fact]
    public void BertModel_ParameterNames_AreHuggingFaceCheckpointKeys()
    {
        using var model = new BertModel(s_tiny);
        var names = model.state_dict().Keys.ToHashSet();

        Assert.Contains("embeddings.word_embeddings.weight", names);
        Assert.Contains("embeddings.LayerNorm.weight", names);
        Assert.Contains("encoder.layer.1.attention.self.query.weight", names);
        Assert.Contains("encoder.layer.1.attention.output.LayerNorm.bias", names);
        Assert.Contains("encoder.layer.0.intermediate.dense.weight", names);
        Assert.Contains("encoder.layer.0.output.dense.weight", names);
        Assert.Contains("pooler.dense.bias", names);
        Assert.Equal(5 + 2 * 16 + 2, names.Count);
    }

    [Fact]
    public void CheckpointLoader_RoundTrip_WithPrefixAndExtraKeys_ReproducesOutput()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var source = new BertModel(s_tiny);
        var checkpoint = source.state_dict().ToDictionary(p => "bert." + p.Key, p => p.Value);
        checkpoint["classifier.weight"] = randn(2, 16);
        string path = Path.Combine(_directory, "model.safetensors");
        SafeTensorsFile.Write(path, checkpoint, metadata: null);

        using var loaded = new BertModel(s_tiny);
        CheckpointLoader.Load(loaded, path, "bert.");

        var ids = randint(1, 50, new long[] { 2, 7 });
        ModelState.AssertClose(Forward(source, ids), Forward(loaded, ids), 0, "output after loading");
    }

    [Fact]
    public void CheckpointLoader_MissingKeyOrOtherShape_NamesTheKey()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);
        var state = source.state_dict();
        string missing = Path.Combine(_directory, "missing.safetensors");
        SafeTensorsFile.Write(missing, state.Where(p => p.Key != "pooler.dense.weight"), metadata: null);
        string wider = Path.Combine(_directory, "wider.safetensors");
        using (var wide = new BertModel(s_tiny with { IntermediateSize = 40 }))
        {
            SafeTensorsFile.Write(wider, wide.state_dict(), metadata: null);
        }

        using var target = new BertModel(s_tiny);
        Assert.Contains("'pooler.dense.weight'", Assert.Throws<InvalidDataException>(() => CheckpointLoader.Load(target, missing)).Message);
        var shapeError = Assert.Throws<InvalidDataException>(() => CheckpointLoader.Load(target, wider)).Message;
        Assert.Contains("intermediate.dense.weight", shapeError);
        Assert.Contains("[40, 16]", shapeError);
        Assert.Contains("[32, 16]", shapeError);
    }

    [Fact]
    public void BertModel_PaddingPositions_DoNotChangeOtherTokens()
    {
        using var scope = NewDisposeScope();
        using var model = new BertModel(s_tiny);
        model.eval();
        var ids = tensor(new long[] { 5, 6, 7 }).unsqueeze(0);
        var padded = tensor(new long[] { 5, 6, 7, 0, 0 }).unsqueeze(0);
        var mask = tensor(new long[] { 1, 1, 1, 0, 0 }).unsqueeze(0);

        var alone = model.call(ids, zeros_like(ids), ones_like(ids));
        var withPadding = model.call(padded, zeros_like(padded), mask).narrow(1, 0, 3);

        ModelState.AssertClose(alone, withPadding, 1e-5, "hidden states of real tokens");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_LeavesAsManyTensorsInTheCallersScope_WhateverTheDepth(bool training)
    {
        // Each layer frees its temporaries when it returns, so a step's scope holds the same few tensors for one layer as for
        // four (not every layer's attention scores until the step ends); training still back-propagates through all layers.
        int Left(int layers)
        {
            manual_seed(1);
            using var model = new BertModel(s_tiny with { NumHiddenLayers = layers });
            model.train(training);
            using var scope = NewDisposeScope();
            var ids = tensor(new long[] { 2, 7, 9, 3, 0, 2, 5, 3, 0, 0 }, 2, 5);
            var mask = ids.ne(0).to(ScalarType.Int64);
            int before = scope.DisposablesCount;
            var hidden = model.call(ids, zeros_like(ids), mask);
            int left = scope.DisposablesCount - before;
            if (training)
            {
                hidden.sum().backward();
                var query = model.named_parameters().Single(p => p.name == "encoder.layer.0.attention.self.query.weight").parameter;
                Assert.True(query.grad is { } grad && grad.abs().sum().item<float>() > 0);
            }

            return left;
        }

        Assert.Equal(Left(1), Left(4));
    }

    private static (BertModel Model, Microsoft.ML.Tokenizers.BertTokenizer Tokenizer) LoadMiniLm()
    {
        string folder = SharedFixtures.Path(MiniLm);
        var model = new BertModel(BertConfig.Read(Path.Combine(folder, "config.json")));
        CheckpointLoader.Load(model, Path.Combine(folder, "model.safetensors"), "bert.");
        model.eval();
        return (model, WordPieceTokenizerFactory.Create(folder));
    }

    private static Tensor Forward(BertModel model, Tensor ids)
    {
        model.eval();
        using var noGrad = no_grad();
        return model.call(ids, zeros_like(ids), ones_like(ids));
    }

    // Mean pooling over attended tokens, then L2 normalisation, as sentence-transformers does for all-MiniLM-L6-v2.
    private static Tensor Embed(BertModel model, IReadOnlyList<int>[] sentences)
    {
        int length = sentences.Max(s => s.Count);
        var ids = zeros(sentences.Length, length, dtype: ScalarType.Int64);
        var mask = zeros(sentences.Length, length, dtype: ScalarType.Int64);
        for (int i = 0; i < sentences.Length; i++)
        {
            ids[i].narrow(0, 0, sentences[i].Count).copy_(tensor(sentences[i].Select(t => (long)t).ToArray()));
            mask[i].narrow(0, 0, sentences[i].Count).fill_(1);
        }

        using var noGrad = no_grad();
        var pooled = BertModel.MeanPool(model.call(ids, zeros_like(ids), mask), mask);
        return nn.functional.normalize(pooled, p: 2, dim: 1);
    }

    private static List<(string Text, int[] InputIds, float[] Embedding)> GoldenSentences()
    {
        var golden = JsonNode.Parse(File.ReadAllText(SharedFixtures.Path(MiniLm, "golden_embeddings.json")))!;
        return golden["sentences"]!.AsArray().Select(s => (
            s!["text"]!.GetValue<string>(),
            s["input_ids"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray(),
            s["embedding"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray())).ToList();
    }
}
