// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.ResNet;

/// <summary>Runs an ONNX graph of one float input and one float output in ONNX Runtime, the reference the imports are checked against.</summary>
internal static class ResNetOnnxRuntimeReference
{
    /// <summary>The graph's first output for <paramref name="input"/> of <paramref name="shape"/>, flattened.</summary>
    internal static float[] Run(string onnxPath, float[] input, int[] shape)
    {
        using var session = new InferenceSession(onnxPath);
        string inputName = session.InputMetadata.Keys.Single();
        var inputs = new[] { NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(input, shape)) };
        using var results = session.Run(inputs);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
