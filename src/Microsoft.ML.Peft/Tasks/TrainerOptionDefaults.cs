// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>The defaults every task's training options share; each task's <c>Defaults</c> class adds its own batch size, rate and rank.</summary>
internal static class TrainerOptionDefaults
{
    internal const int Epochs = 3;
    internal const double WeightDecay = 0.01;
    internal const double WarmupFraction = 0.06;
    internal const double MaxGradientNorm = 1.0;
    internal const int CheckpointEverySteps = 200;
    internal const int MinSequenceLength = 8;
}
