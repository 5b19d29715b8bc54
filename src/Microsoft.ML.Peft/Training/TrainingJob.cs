// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>What the engine trains and how a batch becomes a loss; it knows nothing of columns or tokenizers.</summary>
internal sealed class TrainingJob
{
    /// <summary>Gets the module switched between <c>train()</c> and <c>eval()</c>; for PEFT, the <see cref="PeftModel.BaseModel"/>.</summary>
    public required nn.Module Model { get; init; }

    /// <summary>
    /// Gets the parameters AdamW updates, with unique names (checkpoint keys); for PEFT,
    /// <see cref="PeftModel.NamedTrainableParameters"/>. No other parameter of <see cref="Model"/> may require gradients.
    /// </summary>
    public required IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters { get; init; }

    /// <summary>Gets the length (tokens, patches, ...) of each training example; its count is the number of examples.</summary>
    public required IReadOnlyList<int> ExampleLengths { get; init; }

    /// <summary>
    /// Gets the function that builds the padded batch of the given example indices on the given device, runs the model
    /// and returns the scalar mean loss. It runs inside the step's dispose scope, so its tensors need no disposing.
    /// </summary>
    public required Func<int[], Device, Tensor> ComputeLoss { get; init; }

    /// <summary>Gets the end-of-epoch validation, or <see langword="null"/> for none.</summary>
    public ValidationEvaluator? Validation { get; init; }
}
