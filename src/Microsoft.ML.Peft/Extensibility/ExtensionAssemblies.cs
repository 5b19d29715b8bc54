// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Extensibility;

/// <summary>Loads the known extension assemblies when present, so their registrations run before a registry miss is reported.</summary>
internal static class ExtensionAssemblies
{
    /// <summary>Loads each known extension assembly that is present and not loaded yet, running its module initializers.</summary>
    internal static void EnsureLoaded()
    {
        // No extension assembly ships yet; a registry miss is final.
    }
}
