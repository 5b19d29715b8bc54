// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>Measures the model on held-out data at the end of every epoch, for progress reports and early stopping.</summary>
/// <param name="MetricName">The metric's name in reports and logs, for example <c>accuracy</c> or <c>loss</c>.</param>
/// <param name="HigherIsBetter">True for metrics such as accuracy; false for losses and error rates.</param>
/// <param name="Evaluate">
/// Scores the validation set and returns the metric. The engine calls it with the model in <c>eval()</c> mode, under
/// <c>no_grad</c> and inside a dispose scope; it should open its own scope per batch so a large set does not hold
/// every batch's tensors at once. A non-finite result never counts as an improvement.
/// </param>
internal sealed record ValidationEvaluator(string MetricName, bool HigherIsBetter, Func<double> Evaluate);
