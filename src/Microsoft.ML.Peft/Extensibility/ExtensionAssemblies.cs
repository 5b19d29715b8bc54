// Licensed under the MIT license. See LICENSE in the repository root.

using System.Reflection;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Peft.Extensibility;

/// <summary>
/// Loads the known extension assemblies, when the application ships them, and runs their module initializers, which
/// register their backbones, methods' module types and task stages into this library's registries. A registry that
/// misses calls <see cref="EnsureLoaded"/> and looks again: an extension assembly that nothing has touched yet is not loaded
/// by the runtime, so its registrations would otherwise never happen.
/// </summary>
internal static class ExtensionAssemblies
{
    // Named explicitly rather than found by scanning: scanning would load arbitrary assemblies of the application, and
    // only these are built to register into this library.
    private static readonly string[] s_knownNames = { "Microsoft.ML.Peft.Vision" };

    private static readonly object s_lock = new();
    private static volatile bool s_loaded;

    /// <summary>Loads each known extension assembly that is present and runs its module initializer, once per process.</summary>
    /// <remarks>Thread-safe; a call made while an extension's initializer runs (on the same thread) returns at once.</remarks>
    internal static void EnsureLoaded()
    {
        if (s_loaded)
        {
            return;
        }

        lock (s_lock)
        {
            if (s_loaded)
            {
                return;
            }

            // Set first: an extension's module initializer may itself miss in a registry and come back here.
            s_loaded = true;
            foreach (string name in s_knownNames)
            {
                Assembly assembly;
                try
                {
                    assembly = Assembly.Load(name);
                }
                catch (FileNotFoundException)
                {
                    // The application does not ship this extension.
                    continue;
                }

                RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            }
        }
    }
}
