// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// A module tree built from dotted names and Linear shapes, e.g. <c>bert.encoder.layer.0.attention.self.query</c>
/// (out 768, in 768), so real adapters can be loaded against a model with their base model's names and shapes.
/// </summary>
internal sealed class NamedModuleTree : nn.Module
{
    internal NamedModuleTree(IEnumerable<(string Path, long Out, long In)> linears)
        : base(nameof(NamedModuleTree))
    {
        foreach (var (path, outFeatures, inFeatures) in linears)
        {
            string[] parts = path.Split('.');
            nn.Module parent = this;
            foreach (string part in parts[..^1])
            {
                var child = parent.named_children().FirstOrDefault(c => c.name == part).module;
                if (child is null)
                {
                    child = new Node();
                    parent.register_module(part, child);
                }

                parent = child;
            }

            parent.register_module(parts[^1], nn.Linear(inFeatures, outFeatures));
        }
    }

    /// <summary>The Linear at a dotted path.</summary>
    internal TorchSharp.Modules.Linear Linear(string path) =>
        (TorchSharp.Modules.Linear)named_modules().Single(m => m.name == path).module;

    private sealed class Node : nn.Module
    {
        internal Node()
            : base(nameof(Node))
        {
        }
    }
}
