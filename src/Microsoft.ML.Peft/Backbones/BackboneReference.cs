// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// What a saved model records about its pretrained encoder instead of the weights: where it came from, its model type and a
/// fingerprint of its tensors, so loading can reopen it (a folder) or check that the model handed in is the same one.
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
}
