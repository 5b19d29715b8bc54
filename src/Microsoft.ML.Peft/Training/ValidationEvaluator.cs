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
/// <param name="Loss">
/// Computes the training objective on the validation set (the mean over examples, as the training loss), called as
/// <paramref name="Evaluate"/> is; null for a task whose metric is already its loss or that has none.
/// </param>
internal sealed record ValidationEvaluator(string MetricName, bool HigherIsBetter, Func<double> Evaluate, Func<double>? Loss = null);
