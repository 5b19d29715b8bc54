// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Tests.Tasks;

/// <summary>The open stage-loader table: the built-in stages are in it, and a stage from another assembly saves and loads like them.</summary>
public sealed class StageLoaderRegistryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("peft-stages-").FullName;
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Kinds_HoldTheBuiltInTextStages()
    {
        Assert.Contains(LoraTextClassificationTransformer.Kind, StageLoaderRegistry.Kinds);
        Assert.Contains(LoraNamedEntityRecognitionTransformer.Kind, StageLoaderRegistry.Kinds);
    }

    [Fact]
    public void SaveLoad_StageRegisteredFromTheTestAssembly_RoundTripsThroughModelSaveAndLoad()
    {
        StageLoaderRegistry.Register(FakeStage.Kind, FakeStage.Load);
        var data = _ml.Data.LoadFromEnumerable(new[] { new Row { Text = "a" } });
        var model = new TransformerChain<ITransformer>(_ml.Transforms.CopyColumns("Copy", "Text").Fit(data), new FakeStage(42));
        string path = Path.Combine(_directory, "model.zip");

        _ml.Peft().Model.Save(model, data.Schema, path);
        var loaded = _ml.Peft().Model.Load(path, out var schema);

        var stages = ((IEnumerable<ITransformer>)loaded).ToList();
        Assert.Equal(2, stages.Count);
        Assert.Equal(42, Assert.IsType<FakeStage>(stages[1]).Value);
        Assert.NotNull(schema.GetColumnOrNull("Text"));
        Assert.NotNull(loaded.Transform(data).Schema.GetColumnOrNull("Copy"));
    }

    [Fact]
    public void Register_SameLoaderTwice_IsIgnored_AnotherLoaderForTheKind_Throws()
    {
        StageLoaderRegistry.Register(FakeStage.Kind, FakeStage.Load);
        StageLoaderRegistry.Register(FakeStage.Kind, FakeStage.Load);

        var error = Assert.Throws<InvalidOperationException>(() => StageLoaderRegistry.Register(FakeStage.Kind, _ => new FakeStage(0)));
        Assert.Contains($"stage kind '{FakeStage.Kind}' is registered already", error.Message);
    }

    [Fact]
    public void Load_UnknownKind_NamesItAndTheKnownKinds()
    {
        StageLoaderRegistry.Register(FakeStage.Kind, FakeStage.Load);
        var data = _ml.Data.LoadFromEnumerable(new[] { new Row { Text = "a" } });
        string path = Path.Combine(_directory, "model.zip");
        _ml.Peft().Model.Save(new FakeStage(1), data.Schema, path);
        RenameStageKind(path, FakeStage.Kind, "no-such-stage");

        var error = Assert.Throws<InvalidDataException>(() => _ml.Peft().Model.Load(path, out _));

        Assert.Contains("stage of kind 'no-such-stage'", error.Message);
        Assert.Contains(LoraTextClassificationTransformer.Kind, error.Message);
    }

    private static void RenameStageKind(string path, string from, string to)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("manifest.json")!;
        JsonObject manifest;
        using (var stream = entry.Open())
        {
            manifest = (JsonObject)JsonNode.Parse(stream)!;
        }

        foreach (var stage in (JsonArray)manifest["stages"]!)
        {
            if (stage!["kind"]!.GetValue<string>() == from)
            {
                stage["kind"] = to;
            }
        }

        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry("manifest.json").Open());
        writer.Write(manifest.ToJsonString());
    }

    private sealed class Row
    {
        public string Text { get; set; } = string.Empty;
    }
}
