// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.ImageClassification;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.FewShotClassification;

/// <summary>
/// CLIP-SVD's recipe for the image-classifier trainer: singular-value tuning of every weight matrix the architecture lists,
/// text-prompt classes on CLIP, and on an image-only backbone a linear head over normalised features started from the class
/// prototypes.
/// </summary>
internal static class SvdFewShotRecipe
{
    internal const string LogName = "SvdFewShotClassifier";

    /// <summary>Marks the class name in <see cref="SvdFewShotClassifierOptions.PromptTemplate"/>.</summary>
    internal const string LabelPlaceholder = "{label}";

    // Prototypes are means of a few images; 32 at a time bounds the memory of computing them.
    private const int PrototypeBatchSize = 32;

    internal static ImageClassifierRecipe For(SvdFewShotClassifierOptions options)
    {
        string template = options.PromptTemplate;
        double scale = options.PrototypeLogitScale;
        return new ImageClassifierRecipe
        {
            LogName = LogName,
            Task = "a few-shot image classifier",
            DefaultMethod = _ => new SingularValueTuningConfig(),
            DefaultTargets = backbone => backbone.Architecture.WeightMatrixModules,
            HeadInput = ClassifierHeadInput.NormalizedFeatures,
            Prompt = name => template.Replace(LabelPlaceholder, name, StringComparison.Ordinal),
            StartHead = (network, processor, rows) => StartFromPrototypes(network, processor, rows, scale),
        };
    }

    private static void StartFromPrototypes(ImageClassifierModel network, ImageProcessor processor, ImageClassificationRows rows, double scale)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        network.eval();
        var batches = new List<Tensor>();
        var order = new List<long>();
        BatchInference.ForEachBatch(new int[rows.Count], PrototypeBatchSize, batch =>
        {
            batches.Add(network.Embed(processor.Process(batch.Select(i => rows.Images[i]).ToList())));
            order.AddRange(batch.Select(i => (long)rows.Labels[i]));
        });

        var prototypes = ClassPrototypes.Compute(cat(batches, 0), order, network.ClassCount);
        network.StartHeadFromPrototypes(prototypes, scale);
    }
}
