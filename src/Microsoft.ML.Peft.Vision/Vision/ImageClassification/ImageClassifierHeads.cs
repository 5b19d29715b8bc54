// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// Builds the classifier network a recipe asks for (a linear head over the features or the normalised features, or one
/// text prompt per class when the backbone has a text tower), and records which in <c>stage.json</c> so a saved model is
/// rebuilt the same way: <c>head_input</c> (<c>features</c> or <c>normalized_features</c>) and <c>class_prompts</c>.
/// </summary>
internal static class ImageClassifierHeads
{
    private const string HeadInputField = "head_input";
    private const string PromptsField = "class_prompts";

    /// <summary>
    /// The class prompts when the recipe writes prompts and the backbone has a text tower (CLIP); otherwise null.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The label has no class names to write prompts from (a Boolean label, or a key without text values).</exception>
    internal static IReadOnlyList<string>? Prompts(ImageClassifierRecipe recipe, VisionBackbone backbone, ClassifierLabel label, string labelColumnName)
    {
        if (recipe.Prompt is not { } prompt || !backbone.Architecture.HasTextTower)
        {
            return null;
        }

        if (label.IsBinary || label.KeyValues is null)
        {
            throw new ArgumentOutOfRangeException(
                labelColumnName,
                $"{recipe.LogName} on '{backbone.Source}' writes one text prompt per class from the class names, but the label column '{labelColumnName}' "
                + (label.IsBinary ? "is Boolean" : "is a key without values") + ". Make the label with mlContext.Transforms.Conversion.MapValueToKey over a text column of class names.");
        }

        // Class names as people write them: CLIP-SVD's datasets turn underscores into spaces before filling the template.
        return label.KeyValues.Names().Select(name => prompt(name.Replace('_', ' '))).ToArray();
    }

    /// <summary>A new classifier network with a freshly initialised head, or with <paramref name="prompts"/> as its classes.</summary>
    internal static ImageClassifierModel Create(VisionBackbone backbone, int classCount, ClassifierHeadInput headInput, IReadOnlyList<string>? prompts)
    {
        var encoder = backbone.CreateEncoder();
        try
        {
            if (prompts is not null)
            {
                return backbone.Architecture.CreatePromptClassifier(encoder, backbone.Model, prompts)
                    ?? throw new InvalidOperationException($"'{backbone.Source}' ({backbone.ModelType}) has no text tower for class prompts.");
            }

            return backbone.Architecture.CreateImageClassifier(encoder, classCount, headInput);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>Writes what <see cref="Create(VisionBackbone, LoadedStage, int)"/> needs to rebuild <paramref name="network"/>.</summary>
    internal static void WriteTo(JsonObject fields, ImageClassifierModel network)
    {
        var prompts = network.ClassPrompts;
        if (network.HeadInput == ClassifierHeadInput.NormalizedFeatures)
        {
            fields[HeadInputField] = "normalized_features";
        }

        if (prompts is not null)
        {
            fields[PromptsField] = new JsonArray(prompts.Select(p => (JsonNode)p).ToArray());
        }
    }

    /// <summary>Rebuilds the network of a saved stage: <c>head_input</c> absent is <c>features</c>, as in stages saved before the field existed.</summary>
    /// <exception cref="InvalidDataException">A field has another value or type; the stage is named.</exception>
    internal static ImageClassifierModel Create(VisionBackbone backbone, LoadedStage stage, int classCount)
    {
        var headInput = stage.OptionalString(HeadInputField) switch
        {
            null or "features" => ClassifierHeadInput.Features,
            "normalized_features" => ClassifierHeadInput.NormalizedFeatures,
            var other => throw new InvalidDataException($"{stage.Source}: \"{HeadInputField}\" is \"{other}\"; it must be \"features\" or \"normalized_features\"."),
        };
        var prompts = stage.OptionalStrings(PromptsField);
        if (prompts is not null && prompts.Count != classCount)
        {
            throw new InvalidDataException($"{stage.Source}: \"{PromptsField}\" holds {prompts.Count} prompts but the label has {classCount} classes.");
        }

        return Create(backbone, classCount, headInput, prompts);
    }
}
