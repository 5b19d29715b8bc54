// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using TorchSharp;

namespace Microsoft.ML.Peft.Torch;

/// <summary>
/// Loads TorchSharp's native library at this library's entry points and, when that fails because the host's libstdc++ is
/// older than the one libLibTorchSharp.so was linked against, says so and how to fix it.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's libLibTorchSharp.so needs <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++). On an older distribution the
/// library fails to load and TorchSharp reports that the application "doesn't contain a reference to libtorch-cpu", which
/// sends people to the wrong fix. The package's buildTransitive targets patch the copy in the build output so it loads
/// there; an application that references the project without them, or that copies the native files itself, gets this
/// message instead of TorchSharp's.
/// </remarks>
internal static class TorchNativeLibrary
{
    internal const string RequiredVersion = "GLIBCXX_3.4.32";

    private static readonly string[] s_libstdcxxCandidates =
    {
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    private static volatile bool s_loaded;

    /// <summary>Loads TorchSharp's CPU backend once.</summary>
    /// <exception cref="NotSupportedException">It cannot be loaded; for the libstdc++ cause the message names it and the fix.</exception>
    internal static void EnsureLoaded()
    {
        if (s_loaded)
        {
            return;
        }

        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            s_loaded = true;
        }
        catch (Exception ex) when (ex is NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            if (Explain(ex, OperatingSystem.IsLinux() ? FindLibstdcxx() : null) is { } explained)
            {
                throw explained;
            }

            throw;
        }
    }

    /// <summary>
    /// The clearer error for a load failure whose cause is the host's libstdc++: <paramref name="libstdcxxPath"/> exists and
    /// lacks <see cref="RequiredVersion"/>. Null when that is not the cause (or it cannot be told), so the original stands.
    /// </summary>
    internal static NotSupportedException? Explain(Exception failure, string? libstdcxxPath)
    {
        if (libstdcxxPath is null || !File.Exists(libstdcxxPath) || Contains(File.ReadAllBytes(libstdcxxPath), RequiredVersion))
        {
            return null;
        }

        return new NotSupportedException(
            $"TorchSharp's native library (libLibTorchSharp.so) could not be loaded: it needs {RequiredVersion} (the libstdc++ of GCC 13 or later), "
            + $"and this system's {libstdcxxPath} does not have it. TorchSharp reports this as a missing libtorch package reference, which it is not. "
            + "Fix: reference Microsoft.ML.Peft as a NuGet package (its buildTransitive targets mark that version need weak in your build output), "
            + "or, when you reference the Microsoft.ML.Peft project, import its build/Microsoft.ML.Peft.targets in your project file; "
            + "or run on a distribution with GCC 13's libstdc++ (Ubuntu 24.04, Debian 13, Fedora 39 or later). See docs/install.md.",
            failure);
    }

    private static string? FindLibstdcxx() => s_libstdcxxCandidates.FirstOrDefault(File.Exists);

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;
}
