// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// An image backbone under test, with a new linear head of <see cref="LabelCount"/> classes: <c>resnet18</c>, ML.NET's
/// ImageNet ResNet-18 from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package, or <c>vit-b16</c>, an encoder with
/// ViT-B/16's shape (12 layers, hidden 768, 12 heads, intermediate 3072, 224 × 224 in 16 × 16 patches) and random weights,
/// which is enough because time and memory depend only on the shapes.
/// </summary>
internal sealed class ImageBenchmarkBackbone
{
    internal const string ResNet18 = "resnet18";
    internal const string VitB16 = "vit-b16";
    internal const int LabelCount = 10;

    private readonly VisionArchitecture _architecture;
    private readonly Func<ImageEncoder> _createEncoder;

    private ImageBenchmarkBackbone(string name, string description, VisionArchitecture architecture, Func<ImageEncoder> createEncoder)
    {
        Name = name;
        Description = description;
        _architecture = architecture;
        _createEncoder = createEncoder;
    }

    internal static IReadOnlyList<string> Names { get; } = new[] { ResNet18, VitB16 };

    internal string Name { get; }

    internal string Description { get; }

    /// <summary>What LoRA adapts by default on this architecture (the image classifier's default targets).</summary>
    internal IReadOnlyList<string> DefaultTargets => _architecture.DefaultTargetModules;

    /// <summary>The head's module names, trained in full next to the adapter.</summary>
    internal IReadOnlyList<string> HeadModules => _architecture.ImageClassifierHeadModules;

    internal static bool IsImage(string name) => Names.Contains(name);

    internal static ImageBenchmarkBackbone Load(string name)
    {
        switch (name)
        {
            case ResNet18:
                var resnet = VisionBackbones.ResNet18().AsVision("benchmark");
                return new ImageBenchmarkBackbone(ResNet18, "ResNet-18 (ImageNet, ONNX from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package)", resnet.Architecture, resnet.CreateEncoder);
            case VitB16:
                var vit = (VisionArchitecture)BackboneRegistry.Get("vit", VitB16);
                return new ImageBenchmarkBackbone(VitB16, "ViT-B/16 shape, random weights", vit, () => vit.CreateEncoder(VitB16Config(), VitB16));
            default:
                throw new ArgumentException($"Unknown image backbone '{name}'; known: {string.Join(", ", Names)}.", nameof(name));
        }
    }

    /// <summary>A new encoder with a new head, in training mode, every parameter requiring gradients.</summary>
    internal ImageClassifierModel CreateClassifier(int seed)
    {
        manual_seed(seed);
        var network = _architecture.CreateImageClassifier(_createEncoder(), LabelCount);
        foreach (var parameter in network.parameters())
        {
            parameter.requires_grad = true;
        }

        network.train();
        return network;
    }

    // google/vit-base-patch16-224-in21k's config.json, the numbers that set the shapes.
    private static JsonObject VitB16Config() => new()
    {
        ["model_type"] = "vit",
        ["hidden_size"] = 768,
        ["num_hidden_layers"] = 12,
        ["num_attention_heads"] = 12,
        ["intermediate_size"] = 3072,
        ["image_size"] = 224,
        ["patch_size"] = 16,
        ["num_channels"] = 3,
        ["hidden_act"] = "gelu",
        ["layer_norm_eps"] = 1e-12,
        ["hidden_dropout_prob"] = 0.0,
        ["attention_probs_dropout_prob"] = 0.0,
        ["qkv_bias"] = true,
    };
}
