// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.Onnx;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>
/// What ML.NET's <c>ResNetPreprocess.onnx</c> does to the 224 × 224 RGB pixel planes (0–255) of a resized image: it splits
/// the channels, concatenates them as B, G, R, and subtracts CNTK's ImageNet mean image <c>MeanImage</c> [1, 3, 224, 224]
/// pixel by pixel. Nothing is rescaled or divided.
/// </summary>
internal sealed record ResNetPreprocessGraph(bool Bgr, int Height, int Width, float[] MeanImage)
{
    /// <summary>Reads the graph and checks that it is exactly Split → Concat → Sub(mean image).</summary>
    /// <exception cref="InvalidDataException">It is another graph; the message names the node that differs.</exception>
    internal static ResNetPreprocessGraph Read(OnnxGraph graph, string source)
    {
        InvalidDataException Invalid(string reason) =>
            new($"'{source}' is not the ResNet preprocessing graph of Microsoft.ML.DnnImageFeaturizer.ResNet18 (Split, Concat, Sub of a mean image): {reason}.");

        if (graph.Nodes is not [{ OpType: "Split" } split, { OpType: "Concat" } concat, { OpType: "Sub" } sub])
        {
            throw Invalid($"its nodes are {string.Join(", ", graph.Nodes.Select(n => n.ToString()))}");
        }

        if (split.Outputs.Count != 3 || split.Attribute("axis")?.Int != 1 || concat.Attribute("axis")?.Int != 1 || concat.Inputs.Count != 3)
        {
            throw Invalid($"{split} and {concat} must split and join three channels on axis 1");
        }

        bool bgr = concat.Inputs.SequenceEqual(split.Outputs.Reverse());
        if (!bgr && !concat.Inputs.SequenceEqual(split.Outputs))
        {
            throw Invalid($"{concat} joins [{string.Join(", ", concat.Inputs)}], neither RGB nor BGR order of [{string.Join(", ", split.Outputs)}]");
        }

        if (sub.Inputs.Count != 2 || sub.Inputs[0] != concat.Outputs[0] || !graph.TryGetConstant(sub.Inputs[1], out var mean))
        {
            throw Invalid($"{sub} must subtract a constant from the output of {concat}");
        }

        if (mean.Dims is not [1, 3, > 0 and var height, > 0 and var width] || mean.DataType != OnnxDataType.Float)
        {
            throw Invalid($"the mean image '{mean.Name}' has shape {mean.ShapeText} and type {mean.DataType}; expected float [1, 3, height, width]");
        }

        return new ResNetPreprocessGraph(bgr, (int)height, (int)width, mean.AsSingles().ToArray());
    }
}
