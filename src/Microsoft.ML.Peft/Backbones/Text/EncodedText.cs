// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>One tokenized row: ids with the architecture's special tokens, token type ids, and whether it was cut to fit.</summary>
internal readonly record struct EncodedText(long[] InputIds, long[] TokenTypeIds, bool Truncated)
{
    internal int Length => InputIds.Length;
}
