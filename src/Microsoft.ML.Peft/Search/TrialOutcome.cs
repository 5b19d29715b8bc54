// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Search;

/// <summary>What one request of a trial gave: the fitted model (owned by the caller), its metric and what it cost.</summary>
internal sealed record TrialOutcome(
    PeftTaskTransformer Model, double Metric, int Steps, long TrainableParameters, long AdapterBytes, TimeSpan Duration, long? PeakMemoryBytes);
