// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>One change-detection row: two dates and the change mask as encoded PNG bytes, and the scene's number.</summary>
internal sealed class ChangePairRow
{
    public byte[] Before { get; set; } = Array.Empty<byte>();

    public byte[] After { get; set; } = Array.Empty<byte>();

    public byte[] Mask { get; set; } = Array.Empty<byte>();

    public int Scene { get; set; }
}

/// <summary>
/// A learnable change problem: a scene of grey noise, and the same scene later with a bright red rectangle built on it at a
/// random place (the change, white in the mask); a third of the pairs have no change. Encoded as PNG so rows exercise decoding.
/// </summary>
internal static class ChangePairRows
{
    internal const int Side = 16;

    internal static IEnumerable<ChangePairRow> Create(int count, int seed, int side = Side)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var before = new byte[side * side * 4];
            for (int p = 0; p < before.Length; p += 4)
            {
                byte grey = (byte)(60 + random.Next(80));
                before[p] = before[p + 1] = before[p + 2] = grey;
                before[p + 3] = 255;
            }

            var after = (byte[])before.Clone();
            var mask = new byte[side * side * 4];
            for (int p = 3; p < mask.Length; p += 4)
            {
                mask[p] = 255;
            }

            if (i % 3 != 2)
            {
                int height = 3 + random.Next(side / 3), width = 3 + random.Next(side / 3);
                int top = random.Next(side - height + 1), left = random.Next(side - width + 1);
                for (int y = top; y < top + height; y++)
                {
                    for (int x = left; x < left + width; x++)
                    {
                        int p = 4 * ((y * side) + x);
                        // BGRA order.
                        (after[p], after[p + 1], after[p + 2]) = ((byte)random.Next(40), (byte)random.Next(40), (byte)(200 + random.Next(56)));
                        mask[p] = mask[p + 1] = mask[p + 2] = 255;
                    }
                }
            }

            yield return new ChangePairRow { Before = ImageRows.Encode(before, side, side), After = ImageRows.Encode(after, side, side), Mask = ImageRows.Encode(mask, side, side), Scene = i };
        }
    }
}
