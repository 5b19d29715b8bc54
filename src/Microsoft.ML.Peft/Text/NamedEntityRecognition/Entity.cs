// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>An entity of <paramref name="Type"/> over the tokens [<paramref name="Start"/>, <paramref name="End"/>) of one sentence.</summary>
internal readonly record struct Entity(string Type, int Start, int End)
{
    public override string ToString() => $"({Type}, {Start}, {End})";
}
