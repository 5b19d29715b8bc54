// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Formats.Onnx;

/// <summary>One operator of an ONNX graph (<c>NodeProto</c>); an empty <see cref="Domain"/> is the standard <c>ai.onnx</c> set.</summary>
internal sealed record OnnxNode(
    string Name,
    string OpType,
    string Domain,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyList<OnnxAttribute> Attributes)
{
    /// <summary>The attribute called <paramref name="name"/>, or null.</summary>
    internal OnnxAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);

    /// <summary>Whether the node belongs to the standard operator set (domain empty or <c>ai.onnx</c>).</summary>
    internal bool IsStandard => Domain.Length == 0 || Domain == "ai.onnx";

    /// <summary>How the node appears in messages: <c>MatMul 'MatMul_34'</c>.</summary>
    public override string ToString() => Name.Length == 0 ? OpType : $"{OpType} '{Name}'";
}
