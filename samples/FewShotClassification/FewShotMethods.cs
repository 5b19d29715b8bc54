// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft;

namespace FewShotClassification;

/// <summary>The ways the sample adapts ResNet-18 to K digits per class, all on the few-shot estimator's prototype head.</summary>
internal sealed record FewShotMethods(string Name, Func<PeftConfig> Method, double LearningRate)
{
    // Training steps per run whatever K is: few shots get more epochs, as CLIP-SVD's 200 × K iterations scale with K.
    private const int StepsPerRun = 30;
    private const int BatchSize = 16;

    internal static IReadOnlyList<FewShotMethods> All { get; } = new[]
    {
        // Only layer4 adapts, so backpropagation stops there and a run takes seconds; the early filters (edges, strokes)
        // already suit digits. Each method trains at its own default rate.
        new FewShotMethods("singular values", () => new SingularValueTuningConfig { TargetModules = ModuleSelector.FromRegex(@"layer4\.\d+\.(conv[12]|downsample\.0)") }, 1e-2),
        new FewShotMethods("LoRA r8", () => new LoraConfig { Rank = 8, Alpha = 16, TargetModules = ModuleSelector.FromRegex(@"layer4\.\d+\.conv[12]") }, 1e-3),
        // LoRA on the head alone, at rank 10 (the number of classes, so any change of the 10 × 512 head is reachable) and
        // with the backbone frozen: a linear probe that starts from the same prototypes.
        new FewShotMethods("linear probe", () => new LoraConfig { Rank = 10, Alpha = 10, TargetModules = ModuleSelector.FromNames("fc") }, 1e-2),
    };

    internal SvdFewShotClassifierOptions Options(PretrainedModel backbone, string labelColumnName, int shots)
    {
        int stepsPerEpoch = (int)Math.Ceiling(10.0 * shots / BatchSize);
        return new SvdFewShotClassifierOptions
        {
            Backbone = backbone,
            LabelColumnName = labelColumnName,
            ImageColumnName = "Image",
            Method = Method(),
            LearningRate = LearningRate,
            BatchSize = BatchSize,
            Epochs = (int)Math.Ceiling((double)StepsPerRun / stepsPerEpoch),

            // A flipped or cropped digit is another digit, or none.
            Augment = false,
        };
    }
}
