// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>A row of the toy sentiment task with a Boolean label (true = positive), the input of a binary classifier.</summary>
public sealed class BooleanSentimentRow
{
    public string Text { get; set; } = string.Empty;

    public bool Label { get; set; }
}
