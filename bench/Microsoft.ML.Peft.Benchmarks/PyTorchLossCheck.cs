// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The losses of every step on both sides with every dropout at 0 (hidden, attention and LoRA), from the same weights,
/// LoRA A matrices and batch: the two sides' random generators differ, so only without dropout can the losses agree.
/// </summary>
/// <param name="Mode"><c>lora</c> or <c>full</c>.</param>
/// <param name="MaxAbsDifference">The largest |ours − PyTorch's| over the steps both sides ran.</param>
internal sealed record PyTorchLossCheck(string Mode, double[] Ours, double[] PyTorch, double MaxAbsDifference)
{
    internal static PyTorchLossCheck From(string mode, double[] ours, double[] pytorch) =>
        new(mode, ours, pytorch, ours.Zip(pytorch, (a, b) => Math.Abs(a - b)).DefaultIfEmpty(double.NaN).Max());
}
