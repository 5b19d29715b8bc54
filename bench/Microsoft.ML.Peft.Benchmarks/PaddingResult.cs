// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>LoRA training throughput on SMS-spam lengths: every batch padded to the maximum length versus length-bucketed batches padded to their longest row.</summary>
/// <param name="Messages">Messages in the data set.</param>
/// <param name="TruncatedMessages">Messages cut at the maximum length.</param>
/// <param name="MeanTokens">Mean tokenized length, special tokens included.</param>
/// <param name="EpochMeanPaddedLength">Mean padded length of every full bucketed batch of an epoch (dynamic padding).</param>
/// <param name="MeasuredMeanPaddedLength">Mean padded length of the measured batches (dynamic padding); pad-to-max uses the same rows padded to <paramref name="MaxLength"/>.</param>
/// <param name="PadToMax">Step times of the measured batches padded to the maximum length.</param>
/// <param name="Dynamic">Step times of the same batches padded to their longest row.</param>
internal sealed record PaddingResult(
    string Backbone,
    int Messages,
    int TruncatedMessages,
    double MeanTokens,
    int MaxLength,
    double EpochMeanPaddedLength,
    double MeasuredMeanPaddedLength,
    int[] MeasuredPaddedLengths,
    TimingSummary PadToMax,
    TimingSummary Dynamic,
    double PadToMaxRowsPerSecond,
    double DynamicRowsPerSecond,
    double Speedup);
