// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// What a saved model records about its pretrained backbone instead of the weights: where it came from, its model type and a
/// fingerprint of its tensors, so loading can reopen it (a folder) or check that the model handed in is the same one. The same
/// for every modality: the model type alone says, through <see cref="BackboneRegistry"/>, how to reopen it.
/// </summary>
internal sealed record BackboneReference(string ModelType, string Source, string? Directory, string Fingerprint)
{
    internal static BackboneReference Of(PretrainedModel model) => new(model.ModelType, model.Source, model.Directory, model.GetFingerprint());

    internal JsonObject ToJson() => new()
    {
        ["model_type"] = ModelType,
        ["source"] = Source,
        ["directory"] = Directory,
        ["fingerprint_sha256"] = Fingerprint,
    };

    /// <exception cref="InvalidDataException">A field is missing.</exception>
    internal static BackboneReference FromJson(JsonObject json, string source) => new(
        json["model_type"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: the backbone has no \"model_type\"."),
        json["source"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: the backbone has no \"source\"."),
        json["directory"]?.GetValue<string>(),
        json["fingerprint_sha256"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: the backbone has no \"fingerprint_sha256\"."));

    /// <summary>Checks that <paramref name="model"/> has the weights this reference was made from.</summary>
    /// <exception cref="InvalidOperationException">It does not; the message names both sources.</exception>
    internal void Verify(PretrainedModel model)
    {
        if (model.ModelType != ModelType || model.GetFingerprint() != Fingerprint)
        {
            throw new InvalidOperationException(
                $"The saved model was trained on the {ModelType} backbone from '{Source}' (weights SHA-256 {Fingerprint[..12]}…), "
                + $"but the backbone given is the {model.ModelType} from '{model.Source}' (SHA-256 {model.GetFingerprint()[..12]}…). Pass the same pretrained model that was used for training.");
        }
    }

    /// <summary>
    /// The backbone this reference was made from: one of <paramref name="given"/> with the same model type and weights, else the
    /// recorded folder reopened (through <see cref="BackboneRegistry"/>, so any registered modality) if it still exists, else
    /// the recorded source reopened by its architecture (<see cref="BackboneArchitecture.Reopen"/>, e.g. a model from a package).
    /// </summary>
    /// <param name="given">The backbones handed to <c>Load</c>, possibly none.</param>
    /// <exception cref="InvalidOperationException">Neither; the message says to pass the backbone to Load. Also when the reopened folder now holds other weights.</exception>
    /// <exception cref="NotSupportedException">The folder's model type is not registered.</exception>
    internal PretrainedModel Resolve(IReadOnlyList<PretrainedModel> given)
    {
        foreach (var candidate in given.Where(b => b.ModelType == ModelType))
        {
            if (candidate.GetFingerprint() == Fingerprint)
            {
                return candidate;
            }
        }

        if (Directory is { } directory && System.IO.Directory.Exists(directory))
        {
            var reopened = PretrainedModel.FromDirectory(directory);
            Verify(reopened);
            return reopened;
        }

        // A model imported from a file or a package has no folder; its architecture may know how to open its source again.
        if (Directory is null && BackboneRegistry.Find(ModelType)?.Reopen(Source) is { } imported)
        {
            Verify(imported);
            return imported;
        }

        throw new InvalidOperationException(
            $"The model was trained on the {ModelType} backbone from '{Source}', which "
            + (given.Count > 0 ? "none of the given backbones matches (different weights) and which " : string.Empty)
            + "cannot be reopened from a folder. Pass it to Load: mlContext.Peft().Model.Load(path, out schema, backbone).");
    }
}
