// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

/// <summary>
/// The raw-text input of the NER estimator: words split from text with offsets, tags as for the same tokens, entity spans over
/// the original string scored by hand from a forward pass, schema agreement, persistence, PredictionEngine, long texts, errors.
/// </summary>
public sealed class LoraNamedEntityRecognitionTextTests : IClassFixture<TextTaggerFixture>
{
    private static readonly string[] s_separators = { " ", "  ", "\t", " \n " };

    private readonly TextTaggerFixture _fixture;
    private readonly MLContext _ml;

    public LoraNamedEntityRecognitionTextTests(TextTaggerFixture fixture)
    {
        _fixture = fixture;
        _ml = fixture.Context;
    }

    [Fact]
    public void Transform_RawText_TagsAsTheSameTokensAndSpansCoverTheEntityWords()
    {
        var sentences = TaggedSentences.Create(40, seed: 42);
        var texts = sentences.Select((s, i) => Join(s.Tokens, i)).ToList();

        var fromText = Predictions(texts.Select(t => t.Text));
        var fromTokens = _ml.Data.CreateEnumerable<TokenPrediction>(_fixture.Tagger.Transform(_ml.Data.LoadFromEnumerable(sentences)), reuseRowObject: false).ToList();

        Assert.Equal(fromTokens.Select(p => p.PredictedTags), fromText.Select(p => p.PredictedTags));
        var names = TagNames();
        int entities = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            var (text, offsets) = texts[i];
            var expected = ConllevalEntityDecoder.Decode(fromTokens[i].PredictedTags.Select(k => Parse(names[k - 1])).ToArray());
            var actual = fromText[i];
            Assert.Equal(expected.Select(e => offsets[e.Start]), actual.EntityStarts);
            Assert.Equal(expected.Select(e => offsets[e.End - 1] + sentences[i].Tokens[e.End - 1].Length - offsets[e.Start]), actual.EntityLengths);
            Assert.Equal(expected.Select(e => e.Type), actual.EntityTypes);
            for (int e = 0; e < expected.Count; e++)
            {
                string span = text.Substring(actual.EntityStarts[e], actual.EntityLengths[e]);
                Assert.Equal(sentences[i].Tokens[expected[e].Start..expected[e].End], span.Split(new[] { ' ', '\t', '\n' }, StringSplitOptions.RemoveEmptyEntries));
            }

            entities += expected.Count;
        }

        // The model has learnt the toy task, so the spans are not vacuous.
        Assert.True(entities >= 40, $"{entities} entities");
        Assert.Contains(fromText.SelectMany(p => p.EntityTypes), t => t == "NEG");
    }

    [Fact]
    public void EntityScores_AreTheMeanOfTheWordsFirstSubTokenProbabilities_ComputedFromAForwardPass()
    {
        const string text = "the movie was very awful, but the food was good and superb";
        var network = _fixture.Tagger.Network;
        var words = network.Tokenizer.SplitWords(text);
        var sentence = WindowedSentence.Encode(network.Tokenizer, words.Select(w => w.In(text)).ToArray());
        var encoding = Assert.Single(sentence.Windows);
        double[,] logits;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var (ids, types, mask) = TokenClassificationCollator.Collate(new[] { encoding }, network.Tokenizer.Layout.PadId, network.Device);
            var output = network.Network.call(ids, types, mask)[0].to_type(ScalarType.Float64).cpu();
            logits = new double[output.shape[0], output.shape[1]];
            var flat = output.data<double>().ToArray();
            for (int i = 0; i < flat.Length; i++)
            {
                logits[i / logits.GetLength(1), i % logits.GetLength(1)] = flat[i];
            }
        }

        // Per word, at its first sub-token: softmax by hand, the arg max tag and its probability.
        var perWord = encoding.FirstTokenPositions.Select(p =>
        {
            var row = Enumerable.Range(0, logits.GetLength(1)).Select(c => logits[p, c]).ToArray();
            double max = row.Max();
            double sum = row.Sum(v => Math.Exp(v - max));
            int best = Array.IndexOf(row, max);
            return (Tag: best, Probability: 1 / sum);
        }).ToArray();
        var names = TagNames();
        var entities = ConllevalEntityDecoder.Decode(perWord.Select(w => Parse(names[w.Tag])).ToArray());

        var actual = Assert.Single(Predictions(new[] { text }));

        Assert.Equal(perWord.Select(w => (uint)w.Tag + 1), actual.PredictedTags);
        Assert.NotEmpty(entities);
        Assert.Equal(entities.Count, actual.EntityScores.Length);
        for (int e = 0; e < entities.Count; e++)
        {
            double mean = perWord[entities[e].Start..entities[e].End].Average(w => w.Probability);
            Assert.Equal(mean, actual.EntityScores[e], 5);
            Assert.Equal(words[entities[e].Start].Start, actual.EntityStarts[e]);
            Assert.Equal(words[entities[e].End - 1].End, actual.EntityStarts[e] + actual.EntityLengths[e]);
        }

        Assert.Contains("awful", text.Substring(actual.EntityStarts[0], actual.EntityLengths[0]), StringComparison.Ordinal);
    }

    [Fact]
    public void GetOutputSchema_EstimatorAndTransformer_AgreeWithAndWithoutTheTextColumn()
    {
        var withText = _fixture.KeyMap.Transform(_ml.Data.LoadFromEnumerable(new[] { new TextAndTokens { Text = "the film", Tokens = new[] { "the", "film" }, Tags = new[] { "O", "O" } } }));
        var withoutText = _fixture.KeyMap.Transform(_ml.Data.LoadFromEnumerable(TaggedSentences.Create(2, seed: 1)));
        var estimator = _fixture.Estimator();
        var added = new[] { "PredictedTags" }.Concat(NamedEntityColumns.SpanColumns).ToArray();

        foreach (var (data, columns) in new[] { (withText, added), (withoutText, added[..1]) })
        {
            var shape = estimator.GetOutputSchema(SchemaShapes.Of(data.Schema));
            var schema = _fixture.Tagger.GetOutputSchema(data.Schema);
            Assert.Equal(data.Schema.Count + columns.Length, schema.Count);
            Assert.Equal(columns, schema.Skip(data.Schema.Count).Select(c => c.Name));
            Assert.Equal(schema.Select(c => c.Name).Distinct().Order(), shape.Select(c => c.Name).Order());
            foreach (string name in columns)
            {
                var expected = Assert.Single(shape, c => c.Name == name);
                var actual = schema[name];
                Assert.Equal(SchemaShape.Column.VectorKind.VariableVector, expected.Kind);
                Assert.Equal(0, ((VectorDataViewType)actual.Type).Size);
                Assert.Equal(expected.IsKey, ((VectorDataViewType)actual.Type).ItemType is KeyDataViewType);
                Assert.Equal(expected.ItemType.RawType, ((VectorDataViewType)actual.Type).ItemType.RawType);
            }

            Assert.Equal(columns, _fixture.Tagger.Transform(data).Schema.Skip(data.Schema.Count).Select(c => c.Name));
        }

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Int32), _fixture.Tagger.GetOutputSchema(withText.Schema)["EntityStarts"].Type);
        Assert.Equal(new VectorDataViewType(TextDataViewType.Instance), _fixture.Tagger.GetOutputSchema(withText.Schema)["EntityTypes"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single), _fixture.Tagger.GetOutputSchema(withText.Schema)["EntityScores"].Type);
    }

    // The loaded model merges the saved adapter into the base weights again, which may round a score's last bit differently:
    // the spans (tags, offsets, types) must be identical, the scores equal to 1e-6.
    [Fact]
    public void SaveAndLoad_AndPredictionEngine_GiveIdenticalSpans()
    {
        var texts = TaggedSentences.Create(15, seed: 5).Select((s, i) => Join(s.Tokens, i).Text).Append(string.Empty).ToList();
        var data = _ml.Data.LoadFromEnumerable(texts.Select(t => new TextInput { Text = t }));
        var batch = Predictions(texts);

        string path = Path.Combine(_fixture.Directory, "ner-text.zip");
        _ml.Peft().Model.Save(_fixture.Tagger, data.Schema, path);
        var loaded = _ml.Peft().Model.Load(path, out var schema);
        try
        {
            Assert.Equal("Text", Assert.Single(schema).Name);
            var reloaded = _ml.Data.CreateEnumerable<SpanPrediction>(loaded.Transform(data), reuseRowObject: false).ToList();
            AssertSameSpans(batch, reloaded);

            var engine = _ml.Model.CreatePredictionEngine<TextInput, SpanPrediction>(loaded);
            AssertSameSpans(batch, texts.Select(t => engine.Predict(new TextInput { Text = t })).ToList());
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
            foreach (var disposable in (loaded as IEnumerable<ITransformer>)?.OfType<IDisposable>() ?? Enumerable.Empty<IDisposable>())
            {
                disposable.Dispose();
            }
        }

        var original = _ml.Model.CreatePredictionEngine<TextInput, SpanPrediction>(_fixture.Tagger);
        AssertSameSpans(batch, texts.Select(t => original.Predict(new TextInput { Text = t })).ToList());
        Assert.Contains(batch, p => p.EntityStarts.Length > 0);
    }

    [Fact]
    public void Transform_TextLongerThanOneWindow_TagsEveryWordAsTheSameTokens()
    {
        // 100 words of one sub-token each, against a window of 64 positions: three overlapping windows.
        var sentence = TaggedSentences.Create(1, seed: 8, minWords: 100, maxWords: 100).Single();
        var (text, offsets) = Join(sentence.Tokens, 1);
        Assert.True(_fixture.Tagger.Network.Encode(sentence.Tokens).Windows.Count > 1);

        var fromText = Assert.Single(Predictions(new[] { text }));
        var fromTokens = _ml.Data.CreateEnumerable<TokenPrediction>(_fixture.Tagger.Transform(_ml.Data.LoadFromEnumerable(new[] { sentence })), reuseRowObject: false).Single();

        Assert.Equal(sentence.Tokens.Length, fromText.PredictedTags.Length);
        Assert.Equal(fromTokens.PredictedTags, fromText.PredictedTags);
        Assert.NotEmpty(fromText.EntityStarts);
        Assert.All(fromText.EntityStarts, s => Assert.Contains(s, offsets));
        Assert.Contains(fromText.EntityStarts, s => s > text.Length / 2);
    }

    [Fact]
    public void Transform_EmptyOrBlankText_GivesNoTagAndNoEntity()
    {
        var predictions = Predictions(new[] { string.Empty, " \t\n ", "the film" });

        Assert.All(predictions.Take(2), p =>
        {
            Assert.Empty(p.PredictedTags);
            Assert.Empty(p.EntityStarts);
            Assert.Empty(p.EntityTypes);
        });
        Assert.Equal(2, predictions[2].PredictedTags.Length);
    }

    [Fact]
    public void Transform_TextColumnMissingOrNotText_NamesTheColumn()
    {
        var numbers = _ml.Data.LoadFromEnumerable(new[] { new NumberInput { Text = 1 } });
        var notText = Assert.Throws<ArgumentOutOfRangeException>(() => _fixture.Tagger.Transform(numbers));
        Assert.Contains("text column 'Text': expected String", notText.Message);
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() => _fixture.Estimator().GetOutputSchema(SchemaShapes.Of(_fixture.KeyMap.Transform(_ml.Data.LoadFromEnumerable(new[] { new NumberAndTokens() })).Schema)));
        Assert.Contains("text column 'Text'", shapeError.Message);

        var other = _ml.Data.LoadFromEnumerable(new[] { new OtherInput { Body = "the film" } });
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => _fixture.Tagger.GetOutputSchema(other.Schema));
        Assert.Contains("Text column 'Text' not found", missing.Message);
        Assert.Contains("'Body'", missing.Message);
    }

    [Fact]
    public void Options_BadTextColumnName_IsRefusedNamingTheOption()
    {
        foreach (string name in new[] { " ", "EntityScores" })
        {
            var error = Assert.Throws<ArgumentException>(() => _ml.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions { Backbone = _fixture.Backbone, TextColumnName = name }));
            Assert.Contains("TextColumnName", error.Message);
        }
    }

    private static (string Text, int[] Offsets) Join(string[] tokens, int seed)
    {
        var builder = new System.Text.StringBuilder(s_separators[seed % s_separators.Length]);
        var offsets = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(s_separators[(seed + i) % s_separators.Length]);
            }

            offsets[i] = builder.Length;
            builder.Append(tokens[i]);
        }

        return (builder.ToString(), offsets);
    }

    private static EntityTag Parse(string tag) => EntityTag.TryParse(tag, TagScheme.Iob2, out var parsed, out _) ? parsed : throw new InvalidOperationException(tag);

    private static void AssertSameSpans(List<SpanPrediction> expected, List<SpanPrediction> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].PredictedTags, actual[i].PredictedTags);
            Assert.Equal(expected[i].EntityStarts, actual[i].EntityStarts);
            Assert.Equal(expected[i].EntityLengths, actual[i].EntityLengths);
            Assert.Equal(expected[i].EntityTypes, actual[i].EntityTypes);
            Assert.Equal(expected[i].EntityScores.Length, actual[i].EntityScores.Length);
            Assert.All(expected[i].EntityScores.Zip(actual[i].EntityScores), s => Assert.Equal(s.First, s.Second, 1e-6));
        }
    }

    private string[] TagNames() => _fixture.Tagger.TagNames!.Names();

    private List<SpanPrediction> Predictions(IEnumerable<string> texts) =>
        _ml.Data.CreateEnumerable<SpanPrediction>(_fixture.Tagger.Transform(_ml.Data.LoadFromEnumerable(texts.Select(t => new TextInput { Text = t }))), reuseRowObject: false).ToList();

    private sealed class TextInput
    {
        public string Text { get; set; } = string.Empty;
    }

    private sealed class NumberInput
    {
        public float Text { get; set; }
    }

    private sealed class NumberAndTokens
    {
        public float Text { get; set; }

        public string[] Tokens { get; set; } = { "the" };

        public string[] Tags { get; set; } = { "O" };
    }

    private sealed class OtherInput
    {
        public string Body { get; set; } = string.Empty;
    }

    private sealed class TextAndTokens
    {
        public string Text { get; set; } = string.Empty;

        public string[] Tokens { get; set; } = Array.Empty<string>();

        public string[] Tags { get; set; } = Array.Empty<string>();
    }

    private sealed class TokenPrediction
    {
        public uint[] PredictedTags { get; set; } = Array.Empty<uint>();
    }

    private sealed class SpanPrediction
    {
        public uint[] PredictedTags { get; set; } = Array.Empty<uint>();

        public int[] EntityStarts { get; set; } = Array.Empty<int>();

        public int[] EntityLengths { get; set; } = Array.Empty<int>();

        public string[] EntityTypes { get; set; } = Array.Empty<string>();

        public float[] EntityScores { get; set; } = Array.Empty<float>();
    }
}
