// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The stage kind (<see cref="IPersistablePeftTransformer.StageKind"/>) to loader table a saved pipeline is read through. It is
/// open: the assembly that defines a stage registers its loader, from a module initializer, so the persistence code knows no
/// task type and a task in another assembly saves and loads like the built-in ones.
/// </summary>
internal static class StageLoaderRegistry
{
    private static readonly object s_gate = new();

    // Insertion order is kept so the list of known kinds in an error message is stable.
    private static readonly Dictionary<string, StageLoader> s_loaders = new(StringComparer.Ordinal);

    /// <summary>The kinds registered so far, in registration order.</summary>
    internal static IReadOnlyList<string> Kinds
    {
        get
        {
            lock (s_gate)
            {
                return s_loaders.Keys.ToArray();
            }
        }
    }

    /// <summary>Registers the loader of <paramref name="kind"/>; registering the same loader again does nothing.</summary>
    /// <exception cref="InvalidOperationException">Another loader is registered for <paramref name="kind"/>.</exception>
    internal static void Register(string kind, StageLoader loader)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(loader);
        lock (s_gate)
        {
            if (s_loaders.TryGetValue(kind, out var existing))
            {
                if (existing.Method == loader.Method && existing.Target == loader.Target)
                {
                    return;
                }

                throw new InvalidOperationException($"A loader for stage kind '{kind}' is registered already ({existing.Method.DeclaringType}.{existing.Method.Name}); stage kinds must be unique.");
            }

            s_loaders.Add(kind, loader);
        }
    }

    /// <summary>The loader of <paramref name="kind"/>, if one is registered.</summary>
    internal static bool TryGet(string kind, out StageLoader loader)
    {
        lock (s_gate)
        {
            return s_loaders.TryGetValue(kind, out loader!);
        }
    }
}
