// Licensed under the MIT license. See LICENSE in the repository root.
//
// Makes TorchSharp's native wrapper loadable on Linux hosts whose libstdc++ predates GCC 13.
//
// libLibTorchSharp.so (TorchSharp 0.107.0) records a version need on GLIBCXX_3.4.32 only because GCC 13's
// <iostream> emits a reference to std::ios_base_library_init(), a link-time anchor that nothing relocates
// against. glibc refuses to load a library with an unmet version need unless that need is marked weak
// (VER_FLG_WEAK). Marking exactly that one entry weak, in the copy that the build placed in the output
// folder, lets the loader continue; every symbol the wrapper really uses resolves against GLIBCXX_3.4.30
// or older. The NuGet cache is never touched: the patched bytes go to a temporary file that replaces the
// output copy by rename, which also breaks any hard link back to the cache.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (Microsoft.ML.Peft.targets) and by the
// test project with PEFT_ELF_PATCHER_TESTS defined, which tests the ELF logic without MSBuild.

#nullable enable

using System;
using System.IO;
using System.Text;

#if !PEFT_ELF_PATCHER_TESTS
/// <summary>MSBuild task: weakens the GLIBCXX_3.4.32 version need of libLibTorchSharp.so copies.</summary>
public sealed class PatchLibTorchSharpVersionNeeds : Microsoft.Build.Utilities.Task
{
    /// <summary>The libLibTorchSharp.so files to patch (copies in an output or publish folder).</summary>
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    /// <summary>auto (patch when the host libstdc++ lacks the version), always, or never.</summary>
    public string Mode { get; set; } = "auto";

    /// <summary>Overrides the host libstdc++ that auto mode inspects.</summary>
    public string? HostLibStdCxx { get; set; }

    /// <inheritdoc />
    public override bool Execute()
    {
        string mode = (Mode ?? "auto").Trim().ToLowerInvariant();
        if (mode == "never" || Files.Length == 0)
        {
            return true;
        }

        if (mode != "auto" && mode != "always")
        {
            Log.LogError($"PeftLibTorchSharpPatch must be 'auto', 'always' or 'never', got '{Mode}'.");
            return false;
        }

        if (mode == "auto")
        {
            string? host = string.IsNullOrEmpty(HostLibStdCxx) ? ElfVersionNeeds.FindHostLibStdCxx() : HostLibStdCxx;
            if (host is null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    "No host libstdc++.so.6 found; libLibTorchSharp.so is left unchanged.");
                return true;
            }

            if (ElfVersionNeeds.HostProvides(host, ElfVersionNeeds.AnchorVersion))
            {
                return true;
            }
        }

        foreach (var item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                var outcome = ElfVersionNeeds.WeakenVersionNeed(path, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion);
                if (outcome == ElfPatchOutcome.Patched)
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        $"Marked the {ElfVersionNeeds.AnchorVersion} version need of '{path}' weak so it loads with this host's libstdc++.");
                }
                else if (outcome == ElfPatchOutcome.NotElf)
                {
                    Log.LogWarning($"'{path}' is not a 64-bit little-endian ELF file; it was left unchanged.");
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
            {
                Log.LogWarning($"Could not patch '{path}': {ex.Message} TorchSharp may fail to load on this host.");
            }
        }

        return !Log.HasLoggedErrors;
    }
}
#endif

/// <summary>What <see cref="ElfVersionNeeds.WeakenVersionNeed"/> did to a file.</summary>
internal enum ElfPatchOutcome
{
    /// <summary>The version need was found and marked weak.</summary>
    Patched,

    /// <summary>The version need was already weak; the file was not rewritten.</summary>
    AlreadyWeak,

    /// <summary>The file has no such version need; nothing to do.</summary>
    NotPresent,

    /// <summary>The file is not a 64-bit little-endian ELF object.</summary>
    NotElf,
}

/// <summary>Reads and edits the GNU version-needs section (.gnu.version_r) of a 64-bit little-endian ELF file.</summary>
internal static class ElfVersionNeeds
{
    internal const string LibStdCxx = "libstdc++.so.6";
    internal const string AnchorVersion = "GLIBCXX_3.4.32";

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    private static readonly string[] s_libraryDirectories =
    {
        "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
        "/usr/lib64", "/lib64", "/usr/lib", "/lib",
    };

    /// <summary>Finds the libstdc++.so.6 the dynamic loader would pick, searching LD_LIBRARY_PATH first.</summary>
    internal static string? FindHostLibStdCxx()
    {
        string? ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        var directories = new System.Collections.Generic.List<string>();
        if (!string.IsNullOrEmpty(ldPath))
        {
            directories.AddRange(ldPath!.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries));
        }

        directories.AddRange(s_libraryDirectories);
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, LibStdCxx);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>True when the library defines the given symbol version (its name appears as a NUL-terminated string).</summary>
    internal static bool HostProvides(string libraryPath, string version)
    {
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        byte[] haystack = File.ReadAllBytes(libraryPath);
        return IndexOf(haystack, needle) >= 0;
    }

    /// <summary>Returns the flags of the version need <paramref name="version"/> on <paramref name="fileName"/>, or null.</summary>
    internal static ushort? ReadVersionNeedFlags(string path, string fileName, string version)
    {
        byte[] image = File.ReadAllBytes(path);
        int offset = FindVernauxFlagsOffset(image, fileName, version);
        return offset < 0 ? null : BitConverter.ToUInt16(image, offset);
    }

    /// <summary>Marks the version need weak, writing through a temporary file and a rename.</summary>
    internal static ElfPatchOutcome WeakenVersionNeed(string path, string fileName, string version)
    {
        byte[] image = File.ReadAllBytes(path);
        if (!IsElf64LittleEndian(image))
        {
            return ElfPatchOutcome.NotElf;
        }

        int flagsOffset = FindVernauxFlagsOffset(image, fileName, version);
        if (flagsOffset < 0)
        {
            return ElfPatchOutcome.NotPresent;
        }

        ushort flags = BitConverter.ToUInt16(image, flagsOffset);
        if ((flags & VerFlgWeak) != 0)
        {
            return ElfPatchOutcome.AlreadyWeak;
        }

        flags |= VerFlgWeak;
        image[flagsOffset] = (byte)(flags & 0xff);
        image[flagsOffset + 1] = (byte)(flags >> 8);

        string temporary = path + ".peft-patch.tmp";
        try
        {
            File.WriteAllBytes(temporary, image);
            File.Replace(temporary, path, destinationBackupFileName: null);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

        return ElfPatchOutcome.Patched;
    }

    private static bool IsElf64LittleEndian(byte[] image) =>
        image.Length >= 64 && image[0] == 0x7f && image[1] == (byte)'E' && image[2] == (byte)'L' && image[3] == (byte)'F'
        && image[4] == 2 && image[5] == 1;

    // Walks .gnu.version_r: Elf64_Verneed entries (vn_cnt u16 @2, vn_file u32 @4, vn_aux u32 @8, vn_next u32 @12),
    // each followed by Elf64_Vernaux entries (vna_flags u16 @4, vna_name u32 @8, vna_next u32 @12).
    // Every offset is bounds-checked; a malformed file yields "not found" rather than an exception.
    private static int FindVernauxFlagsOffset(byte[] image, string fileName, string version)
    {
        if (!IsElf64LittleEndian(image))
        {
            return -1;
        }

        long sectionTable = (long)BitConverter.ToUInt64(image, 0x28);
        int entrySize = BitConverter.ToUInt16(image, 0x3A);
        int sectionCount = BitConverter.ToUInt16(image, 0x3C);
        if (entrySize < 64 || sectionTable <= 0 || sectionTable + (long)entrySize * sectionCount > image.Length)
        {
            return -1;
        }

        for (int i = 0; i < sectionCount; i++)
        {
            long header = sectionTable + (long)i * entrySize;
            if (BitConverter.ToUInt32(image, (int)header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            long sectionOffset = (long)BitConverter.ToUInt64(image, (int)header + 24);
            long sectionSize = (long)BitConverter.ToUInt64(image, (int)header + 32);
            uint link = BitConverter.ToUInt32(image, (int)header + 40);
            uint needCount = BitConverter.ToUInt32(image, (int)header + 44);
            if (link >= sectionCount || sectionOffset + sectionSize > image.Length)
            {
                return -1;
            }

            long stringTable = (long)BitConverter.ToUInt64(image, (int)(sectionTable + link * entrySize) + 24);
            long need = sectionOffset;
            for (uint n = 0; n < needCount && need + 16 <= sectionOffset + sectionSize; n++)
            {
                int auxCount = BitConverter.ToUInt16(image, (int)need + 2);
                string? file = ReadString(image, stringTable + BitConverter.ToUInt32(image, (int)need + 4));
                long aux = need + BitConverter.ToUInt32(image, (int)need + 8);
                for (int a = 0; a < auxCount && aux + 16 <= sectionOffset + sectionSize; a++)
                {
                    string? name = ReadString(image, stringTable + BitConverter.ToUInt32(image, (int)aux + 8));
                    if (file == fileName && name == version)
                    {
                        return (int)aux + 4;
                    }

                    uint nextAux = BitConverter.ToUInt32(image, (int)aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                uint nextNeed = BitConverter.ToUInt32(image, (int)need + 12);
                if (nextNeed == 0)
                {
                    break;
                }

                need += nextNeed;
            }
        }

        return -1;
    }

    private static string? ReadString(byte[] image, long offset)
    {
        if (offset < 0 || offset >= image.Length)
        {
            return null;
        }

        int end = Array.IndexOf(image, (byte)0, (int)offset);
        return end < 0 ? null : Encoding.ASCII.GetString(image, (int)offset, end - (int)offset);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        int limit = haystack.Length - needle.Length;
        for (int i = 0; i <= limit; i++)
        {
            if (haystack[i] != needle[0])
            {
                continue;
            }

            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return i;
            }
        }

        return -1;
    }
}
