// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>A headline figure with its target, if it has one, and whether the value meets it.</summary>
internal sealed record TargetRow(string Figure, string Backbone, double? Value, string? Target, bool? Met)
{
    internal static TargetRow AtMost(string figure, string backbone, double? value, double limit) =>
        new(figure, backbone, value, "≤ " + limit.ToString("0.00", CultureInfo.InvariantCulture), value is null ? null : value <= limit);

    internal static TargetRow AtLeast(string figure, string backbone, double? value, double limit) =>
        new(figure, backbone, value, "≥ " + limit.ToString("0.00", CultureInfo.InvariantCulture), value is null ? null : value >= limit);

    internal static TargetRow Report(string figure, string backbone, double? value) => new(figure, backbone, value, null, null);
}
