// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// The scalar arguments of image preprocessing, created once and never released. TorchSharp 0.107 turns a number passed to an
/// operation into a temporary <see cref="Scalar"/> that nothing references during the native call, so a collection at that
/// moment may finalize it while libtorch still reads it ("Expected false to be true" from <c>Scalar::toFloat</c>); a scalar
/// held by a static field cannot be collected.
/// </summary>
internal static class ProcessorScalars
{
    internal static readonly Scalar One = 1.0.ToScalar();

    internal static readonly Scalar Zero = 0.0.ToScalar();

    internal static readonly Scalar MaxByte = 255.0.ToScalar();
}
