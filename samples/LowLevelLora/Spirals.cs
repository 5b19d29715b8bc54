// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace LowLevelLora;

/// <summary>Synthetic 2-D data: interleaved spiral arms, one per class, with Gaussian noise.</summary>
internal static class Spirals
{
    public const int Classes = 3;

    /// <summary>Draws <paramref name="perClass"/> points per arm; each arm turns once around the origin.</summary>
    /// <returns>Points [n, 2] (float32) and labels [n] (int64).</returns>
    public static (Tensor X, Tensor Y) Sample(int perClass, double noise = 0.04)
    {
        using var scope = NewDisposeScope();
        var labels = arange(Classes, dtype: ScalarType.Int64).repeat_interleave(perClass);
        var t = rand(Classes * perClass);                                  // position along the arm, in [0, 1)
        var radius = 0.1 + 0.9 * t;
        var angle = labels.to(ScalarType.Float32) * (2 * Math.PI / Classes) + t * (2 * Math.PI);
        var points = stack(new[] { radius * cos(angle), radius * sin(angle) }, dim: 1);
        points = points + noise * randn_like(points);
        return (points.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>The distribution shift of task B: every point rotated by <paramref name="degrees"/> and scaled.</summary>
    public static Tensor Shift(Tensor points, double degrees, double scale)
    {
        using var scope = NewDisposeScope();
        double a = degrees * Math.PI / 180;
        var rotation = tensor(new float[] { (float)Math.Cos(a), (float)Math.Sin(a), (float)-Math.Sin(a), (float)Math.Cos(a) }).view(2, 2);
        return (points.matmul(rotation) * scale).MoveToOuterDisposeScope();
    }
}
