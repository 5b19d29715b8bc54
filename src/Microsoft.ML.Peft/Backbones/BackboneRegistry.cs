// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Extensibility;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// The backbone architectures <see cref="PretrainedModel.FromDirectory"/> can open, by <c>config.json</c>'s <c>model_type</c>:
/// the built-in ones (<see cref="BuiltInBackbones"/>) and those another assembly registers, e.g. from its module initializer.
/// </summary>
internal static class BackboneRegistry
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<string, BackboneArchitecture> s_byModelType = new(StringComparer.Ordinal);

    static BackboneRegistry()
    {
        foreach (var architecture in BuiltInBackbones.Architectures)
        {
            Register(architecture);
        }
    }

    /// <summary>The registered model types, in ordinal order.</summary>
    internal static IReadOnlyList<string> ModelTypes
    {
        get
        {
            lock (s_lock)
            {
                return s_byModelType.Keys.Order(StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Adds <paramref name="architecture"/> under its model type; registering the same instance again does nothing.</summary>
    /// <exception cref="InvalidOperationException">Another architecture is registered under the same model type.</exception>
    internal static void Register(BackboneArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        lock (s_lock)
        {
            if (s_byModelType.TryGetValue(architecture.ModelType, out var existing))
            {
                if (!ReferenceEquals(existing, architecture))
                {
                    throw new InvalidOperationException(
                        $"model_type \"{architecture.ModelType}\" is already registered ({existing.GetType().FullName}); {architecture.GetType().FullName} cannot take it over.");
                }

                return;
            }

            s_byModelType.Add(architecture.ModelType, architecture);
        }
    }

    /// <summary>
    /// The architecture of <paramref name="modelType"/>. A miss loads the known extension assemblies (which register their
    /// architectures) and looks again, so a vision model opens without the caller touching the extension assembly first.
    /// </summary>
    /// <param name="modelType">The <c>model_type</c>.</param>
    /// <param name="source">The file that declares it, named in the error.</param>
    /// <exception cref="NotSupportedException">No architecture is registered for it; the message gives the reason when the type is a known refusal, and lists the supported types.</exception>
    internal static BackboneArchitecture Get(string modelType, string source)
    {
        if (TryGet(modelType, out var architecture))
        {
            return architecture;
        }

        ExtensionAssemblies.EnsureLoaded();
        if (TryGet(modelType, out architecture))
        {
            return architecture;
        }

        throw new NotSupportedException(
            $"'{source}' declares model_type \"{modelType}\", which this package cannot build"
            + (BuiltInBackbones.RefusalReason(modelType) is { } reason ? $": {reason}" : ".")
            + $" Supported: {string.Join(", ", ModelTypes)}.");
    }

    /// <summary>The architecture of <paramref name="modelType"/> (loading the extension assemblies on a miss, as <see cref="Get"/>), or null.</summary>
    internal static BackboneArchitecture? Find(string modelType)
    {
        if (TryGet(modelType, out var architecture))
        {
            return architecture;
        }

        ExtensionAssemblies.EnsureLoaded();
        return TryGet(modelType, out architecture) ? architecture : null;
    }

    private static bool TryGet(string modelType, out BackboneArchitecture architecture)
    {
        lock (s_lock)
        {
            return s_byModelType.TryGetValue(modelType, out architecture!);
        }
    }
}
