// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.LoKr;

/// <summary>How LoKr splits a dimension into the sizes of its two Kronecker factors, exactly as PEFT (and LyCORIS) do.</summary>
internal static class LoKrFactorization
{
    /// <summary>
    /// PEFT's <c>factorization(dimension, factor)</c>: <c>(factor, dimension / factor)</c> unchanged when the factor
    /// divides the dimension; otherwise the divisor pair found by walking the divisors m upwards while m &lt; n and
    /// m ≤ factor (−1 meaning no limit), returned with the smaller number first.
    /// </summary>
    /// <remarks>
    /// PEFT compares each candidate's m + n with that of the first pair (1, dimension), never with the last accepted
    /// pair, so that test never stops the walk; it is kept as written, since the shapes must match PEFT's.
    /// </remarks>
    internal static (int M, int N) Factorize(int dimension, int factor = -1)
    {
        if (dimension <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"A LoKr dimension must be positive, got {dimension}.");
        }

        if (factor > 0 && dimension % factor == 0)
        {
            return (factor, dimension / factor);
        }

        if (factor == -1)
        {
            factor = dimension;
        }

        int m = 1;
        int n = dimension;
        int length = m + n;
        while (m < n)
        {
            int newM = m + 1;
            while (dimension % newM != 0)
            {
                newM++;
            }

            int newN = dimension / newM;
            if (newM + newN > length || newM > factor)
            {
                break;
            }

            m = newM;
            n = newN;
        }

        return m > n ? (n, m) : (m, n);
    }
}
