// Licensed under the MIT license. See LICENSE in the repository root.

using System.Runtime.InteropServices;

namespace Microsoft.ML.Peft.Torch;

/// <summary>
/// Hands memory that libtorch has freed back to the operating system. On Linux, glibc's allocator keeps freed blocks of a
/// training run (each step allocates and frees activations of a different shape) inside its heaps, so a process that has
/// trained stays about a gigabyte above what it still uses. <c>malloc_trim</c> releases those free pages. It is called once
/// after training, not per step: per step it would make every step fault its pages in again.
/// </summary>
internal static class FreedNativeMemory
{
    private static bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Releases the allocator's free pages where the C library can (glibc); elsewhere does nothing.</summary>
    internal static void Release()
    {
        if (s_unavailable)
        {
            return;
        }

        try
        {
            MallocTrim(0);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // musl and other C libraries without malloc_trim return memory their own way.
            s_unavailable = true;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
