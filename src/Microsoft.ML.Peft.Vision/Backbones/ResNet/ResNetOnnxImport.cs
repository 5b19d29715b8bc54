// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>What <see cref="ResNetOnnxImporter"/> recovered: the basic blocks of each layer and the weights by torchvision key.</summary>
/// <param name="Blocks">The blocks of layer1 … layer4 (the CNTK ResNet-18 of ML.NET has [2, 2, 2, 3]).</param>
/// <param name="StateDict">CPU tensors in no dispose scope, keyed as <c>new ResNetModel(Blocks).state_dict()</c>.</param>
internal sealed record ResNetOnnxImport(int[] Blocks, Dictionary<string, Tensor> StateDict);
