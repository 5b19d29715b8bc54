// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Tests.Tuning;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

/// <summary>
/// PEFT 0.21's TOKEN_CLS adapters on tiny-bert as ML.NET taggers: the fixture's inputs are words this library tokenizes to
/// the same ids, so each word's predicted tag is the largest of PEFT's logits at the word's first sub-token.
/// </summary>
public sealed class NamedEntityRecognizerFromAdapterTests : IDisposable
{
    private static readonly string[] s_tags = { "O", "B-PER", "I-PER", "B-LOC", "I-LOC" };

    // expected.json's input_ids are [CLS] the is ##a . [SEP] [PAD] and [CLS] it was good ##y ! [SEP].
    private static readonly string[][] s_words = { new[] { "the", "isa", "." }, new[] { "it", "was", "goody", "!" } };
    private static readonly int[][] s_firstSubTokens = { new[] { 1, 2, 4 }, new[] { 1, 2, 3, 5 } };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-nerfromadapter-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SharedFixtureTheory(PeftInteropFixtureTests.TinyBert, PeftInteropFixtureTests.TokenCases)]
    [InlineData("lora_tokcls")]
    [InlineData("ia3_tokcls")]
    public void PythonAdapter_TagsEachWordWithPeftsLargestLogit_AndSavesPeftsFileBack(string name)
    {
        string folder = SharedFixtures.Path(PeftInteropFixtureTests.TokenCases, name);
        var logits = FixtureJson.Tensor(FixtureJson.Read($"{PeftInteropFixtureTests.TokenCases}/{name}/expected.json")["logits"]!);
        using var tagger = _ml.Peft().NamedEntityRecognizerFromAdapter(Backbone(), folder, tagNames: s_tags);

        var data = _ml.Data.LoadFromEnumerable(s_words.Select(w => new TaggedSentence { Tokens = w }));
        var predicted = tagger.Transform(data).GetColumn<VBuffer<uint>>("PredictedTags").Select(v => v.DenseValues().ToArray()).ToArray();
        for (int sentence = 0; sentence < s_words.Length; sentence++)
        {
            var expected = s_firstSubTokens[sentence].Select(position => (uint)logits[sentence, position].argmax().item<long>() + 1).ToArray();
            Assert.Equal(expected, predicted[sentence]);
        }

        string resaved = Path.Combine(_directory, "resaved");
        tagger.SaveAdapter(resaved);
        var original = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var written = SafeTensorsFile.Read(Path.Combine(resaved, PeftModel.AdapterWeightsFileName));
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), written.Keys.Order(StringComparer.Ordinal));
        Assert.All(original, p => Assert.True(ModelState.Identical(p.Value, written[p.Key]), $"'{p.Key}' changed"));
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, PeftInteropFixtureTests.SequenceCases)]
    public void SequenceClassifierAdapter_AsATagger_IsRefusedNamingTheTaskTypeAndWhereItGoes()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ml.Peft().NamedEntityRecognizerFromAdapter(Backbone(), SharedFixtures.Path(PeftInteropFixtureTests.SequenceCases, "lora")));
        Assert.Contains("SEQ_CLS", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TextClassifierFromAdapter", ex.Message, StringComparison.Ordinal);
    }

    [SharedFixtureFact(PeftInteropFixtureTests.TinyBert, PeftInteropFixtureTests.TokenCases)]
    public void TagNames_OfAnotherCount_AreRefusedNamingBothCounts()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ml.Peft().NamedEntityRecognizerFromAdapter(Backbone(), SharedFixtures.Path(PeftInteropFixtureTests.TokenCases, "lora_tokcls"), tagNames: new[] { "O", "B-PER", "I-PER" }));
        Assert.Equal("tagNames", ex.ParamName);
        Assert.Contains("3 names", ex.Message, StringComparison.Ordinal);
        Assert.Contains("5 classes", ex.Message, StringComparison.Ordinal);
    }

    private static PretrainedModel Backbone() => PretrainedModel.FromDirectory(SharedFixtures.Path(PeftInteropFixtureTests.TinyBert.Split('/')));
}
