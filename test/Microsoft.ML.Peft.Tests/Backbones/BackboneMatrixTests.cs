// Licensed under the MIT license. See LICENSE in the repository root.

using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Backbones;

/// <summary>
/// Every supported architecture through the same path a user takes: open a Hugging Face folder, train a text classifier
/// and a tagger on it through the public estimators, and export adapters with the architecture's Hugging Face key names.
/// A new backbone joins by adding one row.
/// </summary>
public sealed class BackboneMatrixTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-backbones-" + Guid.NewGuid().ToString("N"));

    /// <summary>model_type, the encoder's prefix in XxxForYyy checkpoints, and one LoRA-adapted attention module of layer 0.</summary>
    public static TheoryData<string, string, string> Architectures => new()
    {
        { "bert", "bert", "encoder.layer.0.attention.self.query" },
        { "roberta", "roberta", "encoder.layer.0.attention.self.query" },
        { "distilbert", "distilbert", "transformer.layer.0.attention.q_lin" },
    };

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Backbone_OpenTrainBothTasksAndExport_WorksWithTheArchitecturesKeyNames(string modelType, string encoderPrefix, string adaptedModule)
    {
        string folder = TinyBackboneFolders.Write(modelType, Path.Combine(_directory, modelType));
        var ml = new MLContext(seed: 1);
        var words = TinyBackboneFolders.Words(modelType);

        var backbone = PretrainedModel.FromDirectory(folder);
        Assert.Equal(modelType, backbone.ModelType);
        Assert.Equal(2, backbone.LayerCount);

        var classifierData = ml.Data.LoadFromEnumerable(ClassifierRows(words));
        var classifier = ml.Transforms.Conversion.MapValueToKey(nameof(SentimentRow.Label))
            .Append(ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = backbone, Epochs = 1, BatchSize = 8 }))
            .Fit(classifierData);
        string fingerprint;
        using (var transformer = classifier.LastTransformer)
        {
            Assert.Equal(16, classifier.Transform(classifierData).GetColumn<uint>("PredictedLabel").Count());
            AssertAdapter(transformer.SaveAdapter, Path.Combine(_directory, modelType + "-classifier"), encoderPrefix, adaptedModule, "SEQ_CLS");
            fingerprint = BackboneFingerprint(ml, classifier, classifierData.Schema, Path.Combine(_directory, modelType + "-classifier.zip"));

            // Reopening the same folder gives the same fingerprint, which is what lets a saved pipeline find its backbone again.
            var reopened = PretrainedModel.FromDirectory(folder);
            var taggerData = ml.Data.LoadFromEnumerable(TaggedRows(words));
            var tagger = ml.Transforms.Conversion.MapValueToKey(nameof(TaggedSentence.Tags))
                .Append(ml.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions { Backbone = reopened, Epochs = 1, BatchSize = 8 }))
                .Fit(taggerData);
            using var taggerTransformer = tagger.LastTransformer;
            Assert.Equal(12, tagger.Transform(taggerData).GetColumn<VBuffer<uint>>("PredictedTags").Count());
            AssertAdapter(taggerTransformer.SaveAdapter, Path.Combine(_directory, modelType + "-tagger"), encoderPrefix, adaptedModule, "TOKEN_CLS");
            Assert.Equal(fingerprint, BackboneFingerprint(ml, tagger, taggerData.Schema, Path.Combine(_directory, modelType + "-tagger.zip")));
        }

        // Other weights, other fingerprint.
        var other = PretrainedModel.FromDirectory(TinyBackboneFolders.Write(modelType, Path.Combine(_directory, modelType + "-other"), seed: 8));
        var otherModel = ml.Transforms.Conversion.MapValueToKey(nameof(SentimentRow.Label))
            .Append(ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions { Backbone = other, Epochs = 1, BatchSize = 16 }))
            .Fit(classifierData);
        using (otherModel.LastTransformer)
        {
            Assert.NotEqual(fingerprint, BackboneFingerprint(ml, otherModel, classifierData.Schema, Path.Combine(_directory, modelType + "-other.zip")));
        }
    }

    private static void AssertAdapter(Action<string> save, string folder, string encoderPrefix, string adaptedModule, string taskType)
    {
        save(folder);

        Assert.True(File.Exists(Path.Combine(folder, PeftModel.AdapterConfigFileName)), $"{PeftModel.AdapterConfigFileName} missing in {folder}");
        Assert.True(File.Exists(Path.Combine(folder, PeftModel.AdapterWeightsFileName)), $"{PeftModel.AdapterWeightsFileName} missing in {folder}");
        var keys = SafeTensorsKeys(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        Assert.Contains($"base_model.model.{encoderPrefix}.{adaptedModule}.lora_A.weight", keys);
        Assert.Contains($"base_model.model.{encoderPrefix}.{adaptedModule}.lora_B.weight", keys);
        Assert.All(keys, k => Assert.StartsWith("base_model.model.", k, StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("base_model.model.classifier.", StringComparison.Ordinal));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal(taskType, config["task_type"]!.GetValue<string>());
    }

    // The safetensors header (an 8-byte little-endian length, then JSON keyed by tensor name) read directly, so the
    // check does not depend on the library's own reader.
    private static List<string> SafeTensorsKeys(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> length = stackalloc byte[8];
        stream.ReadExactly(length);
        var header = new byte[checked((int)BinaryPrimitives.ReadUInt64LittleEndian(length))];
        stream.ReadExactly(header);
        return JsonNode.Parse(header)!.AsObject().Select(p => p.Key).Where(k => k != "__metadata__").ToList();
    }

    // The backbone's weight fingerprint as a saved pipeline records it ("fingerprint_sha256" in the stage's JSON).
    private static string BackboneFingerprint(MLContext ml, ITransformer model, DataViewSchema schema, string path)
    {
        ml.Peft().Model.Save(model, schema, path);
        using var archive = ZipFile.OpenRead(path);
        var found = archive.Entries
            .Where(e => e.FullName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .SelectMany(e =>
            {
                using var reader = new StreamReader(e.Open());
                return Find(JsonNode.Parse(reader.ReadToEnd()), "fingerprint_sha256");
            })
            .Distinct()
            .ToList();
        string fingerprint = Assert.Single(found);
        Assert.Matches("^[0-9a-f]{64}$", fingerprint);
        return fingerprint;
    }

    private static IEnumerable<string> Find(JsonNode? node, string name) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == name && p.Value is JsonValue v ? new[] { v.GetValue<string>() } : Find(p.Value, name)).ToList(),
        JsonArray a => a.SelectMany(n => Find(n, name)).ToList(),
        _ => Enumerable.Empty<string>(),
    };

    // The first word of the vocabulary list decides the label, so both classes occur.
    private static List<SentimentRow> ClassifierRows(string[] words)
    {
        var random = new Random(3);
        return Enumerable.Range(0, 16).Select(i =>
        {
            var text = Enumerable.Range(0, 3).Select(_ => words[random.Next(words.Length)]).Prepend(words[i % 2]).ToArray();
            return new SentimentRow { Text = string.Join(' ', text), Label = i % 2 == 0 ? "positive" : "negative" };
        }).ToList();
    }

    // The first word of the vocabulary list is the entity.
    private static List<TaggedSentence> TaggedRows(string[] words)
    {
        var random = new Random(4);
        return Enumerable.Range(0, 12).Select(_ =>
        {
            var tokens = Enumerable.Range(0, random.Next(3, 7)).Select(_ => words[random.Next(words.Length)]).ToArray();
            return new TaggedSentence { Tokens = tokens, Tags = tokens.Select(t => t == words[0] ? "B-ENT" : "O").ToArray() };
        }).ToList();
    }
}
