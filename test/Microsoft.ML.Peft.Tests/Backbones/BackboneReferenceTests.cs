// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tests.Backbones.TinyVision;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Backbones;

/// <summary>
/// <see cref="BackboneReference"/>, what a saved pipeline records instead of the weights: its JSON round trip, and resolving it
/// for a backbone of any registered modality, from a given model or by reopening the recorded folder.
/// </summary>
public sealed class BackboneReferenceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-reference-" + Guid.NewGuid().ToString("N"));
    private readonly string _folder;

    public BackboneReferenceTests()
    {
        TinyVisionArchitecture.Register();
        _folder = TinyVisionFolder.Write(Path.Combine(_directory, "vision"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void ToJson_FromJson_RoundTripsEveryField()
    {
        var reference = BackboneReference.Of(PretrainedModel.FromDirectory(_folder));

        var read = BackboneReference.FromJson(reference.ToJson(), "stage.json");

        Assert.Equal(reference, read);
        Assert.Equal(("tiny-vision", _folder, _folder), (read.ModelType, read.Source, read.Directory));
    }

    [Fact]
    public void FromJson_NoFingerprint_NamesTheFieldAndTheSource()
    {
        var json = BackboneReference.Of(PretrainedModel.FromDirectory(_folder)).ToJson();
        json.Remove("fingerprint_sha256");

        var error = Assert.Throws<InvalidDataException>(() => BackboneReference.FromJson(json, "stage.json"));

        Assert.Contains("stage.json", error.Message);
        Assert.Contains("fingerprint_sha256", error.Message);
    }

    [Fact]
    public void Resolve_NothingGiven_ReopensTheRecordedFolderThroughTheRegistry()
    {
        var model = PretrainedModel.FromDirectory(_folder);
        var reference = BackboneReference.FromJson(BackboneReference.Of(model).ToJson(), "stage.json");

        var resolved = reference.Resolve(Array.Empty<PretrainedModel>());

        Assert.NotSame(model, resolved);
        Assert.Equal(("tiny-vision", "vision"), (resolved.ModelType, resolved.Modality));
        Assert.Equal(model.GetFingerprint(), resolved.GetFingerprint());
    }

    [Fact]
    public void Resolve_GivenTheSameWeights_ReturnsTheGivenModel_SkippingOtherModelTypes()
    {
        var model = PretrainedModel.FromDirectory(_folder);
        var text = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "bert")));
        var reference = BackboneReference.Of(model) with { Directory = null };

        Assert.Same(model, reference.Resolve(new[] { text, model }));
    }

    [Fact]
    public void Resolve_NoMatchAndNoFolder_SaysToPassTheBackboneToLoad()
    {
        var reference = BackboneReference.Of(PretrainedModel.FromDirectory(_folder)) with { Directory = null };
        var other = PretrainedModel.FromDirectory(TinyVisionFolder.Write(Path.Combine(_directory, "other"), seed: 6));

        var error = Assert.Throws<InvalidOperationException>(() => reference.Resolve(new[] { other }));

        Assert.Contains("tiny-vision", error.Message);
        Assert.Contains("none of the given backbones matches", error.Message);
        Assert.Contains("Model.Load(path, out schema, backbone)", error.Message);
    }

    [Fact]
    public void Resolve_FolderNowHoldsOtherWeights_IsRefusedNamingBothFingerprints()
    {
        var reference = BackboneReference.Of(PretrainedModel.FromDirectory(_folder));
        TinyVisionFolder.Write(_folder, seed: 6);

        var error = Assert.Throws<InvalidOperationException>(() => reference.Resolve(Array.Empty<PretrainedModel>()));

        Assert.Contains(reference.Fingerprint[..12], error.Message);
        Assert.Contains("Pass the same pretrained model", error.Message);
    }
}
