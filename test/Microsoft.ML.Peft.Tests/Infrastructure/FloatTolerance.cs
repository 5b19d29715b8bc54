// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>Compares floats within an absolute tolerance, for <c>Assert.Equal</c> over score vectors.</summary>
internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

    public int GetHashCode(float obj) => 0;
}
