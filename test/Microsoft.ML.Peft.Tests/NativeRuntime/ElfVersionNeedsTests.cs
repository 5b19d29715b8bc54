// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.NativeRuntime;

/// <summary>The ELF version-need patcher of build/PatchLibTorchSharpVersionNeeds.cs, on real libLibTorchSharp.so copies.</summary>
public sealed class ElfVersionNeedsTests : IDisposable
{
    private const ushort Weak = 0x2;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-elf-" + Guid.NewGuid().ToString("N"));

    public ElfVersionNeedsTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [CachedLibTorchSharpFact]
    public void ElfVersionNeeds_WeakenVersionNeed_SetsOnlyTheWeakBitOfThatNeed()
    {
        string copy = CopyOfCachedLibrary();
        byte[] original = File.ReadAllBytes(copy);
        ushort? anchorBefore = Flags(copy, ElfVersionNeeds.AnchorVersion);
        ushort? otherBefore = Flags(copy, "GLIBCXX_3.4.30");
        ushort? cxxabiBefore = Flags(copy, "CXXABI_1.3.13");
        Assert.NotNull(anchorBefore);
        Assert.NotNull(otherBefore);
        Assert.NotNull(cxxabiBefore);
        Assert.Equal(0, anchorBefore.Value & Weak);

        var outcome = ElfVersionNeeds.WeakenVersionNeed(copy, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion);

        Assert.Equal(ElfPatchOutcome.Patched, outcome);
        Assert.Equal((ushort?)(anchorBefore.Value | Weak), Flags(copy, ElfVersionNeeds.AnchorVersion));
        Assert.Equal(otherBefore, Flags(copy, "GLIBCXX_3.4.30"));
        Assert.Equal(cxxabiBefore, Flags(copy, "CXXABI_1.3.13"));
        byte[] patched = File.ReadAllBytes(copy);
        Assert.Equal(original.Length, patched.Length);
        int differing = original.Zip(patched).Count(p => p.First != p.Second);
        Assert.InRange(differing, 1, 2);
        Assert.Equal(new[] { copy }, Directory.GetFiles(_directory));
    }

    [CachedLibTorchSharpFact]
    public void ElfVersionNeeds_WeakenVersionNeed_SecondCallReportsAlreadyWeakAndKeepsFile()
    {
        string copy = CopyOfCachedLibrary();
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeeds.WeakenVersionNeed(copy, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion));
        byte[] once = File.ReadAllBytes(copy);
        var writeTime = File.GetLastWriteTimeUtc(copy);

        var outcome = ElfVersionNeeds.WeakenVersionNeed(copy, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion);

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, outcome);
        Assert.Equal(once, File.ReadAllBytes(copy));
        Assert.Equal(writeTime, File.GetLastWriteTimeUtc(copy));
        Assert.Equal(new[] { copy }, Directory.GetFiles(_directory));
    }

    [CachedLibTorchSharpFact]
    public void ElfVersionNeeds_AbsentNeed_ReportsNotPresentAndKeepsFile()
    {
        string copy = CopyOfCachedLibrary();
        byte[] original = File.ReadAllBytes(copy);

        Assert.Null(ElfVersionNeeds.ReadVersionNeedFlags(copy, ElfVersionNeeds.LibStdCxx, "GLIBCXX_9.9.99"));
        Assert.Equal(ElfPatchOutcome.NotPresent, ElfVersionNeeds.WeakenVersionNeed(copy, ElfVersionNeeds.LibStdCxx, "GLIBCXX_9.9.99"));

        // The version exists, but as a need on libstdc++, not on libc.
        Assert.Null(ElfVersionNeeds.ReadVersionNeedFlags(copy, "libc.so.6", ElfVersionNeeds.AnchorVersion));
        Assert.Equal(ElfPatchOutcome.NotPresent, ElfVersionNeeds.WeakenVersionNeed(copy, "libc.so.6", ElfVersionNeeds.AnchorVersion));
        Assert.Equal(original, File.ReadAllBytes(copy));
    }

    [Fact]
    public void ElfVersionNeeds_NonElfFile_ReportsNotElfAndKeepsFile()
    {
        string path = Path.Combine(_directory, "libLibTorchSharp.so");
        byte[] content = System.Text.Encoding.ASCII.GetBytes(new string('x', 200) + "GLIBCXX_3.4.32\0libstdc++.so.6\0");
        File.WriteAllBytes(path, content);

        Assert.Equal(ElfPatchOutcome.NotElf, ElfVersionNeeds.WeakenVersionNeed(path, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion));
        Assert.Null(ElfVersionNeeds.ReadVersionNeedFlags(path, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion));
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
    }

    [Fact]
    public void ElfVersionNeeds_TruncatedElf_IsNotFoundRatherThanThrowing()
    {
        string path = Path.Combine(_directory, "truncated.so");
        byte[] header = new byte[64];
        header[0] = 0x7f;
        header[1] = (byte)'E';
        header[2] = (byte)'L';
        header[3] = (byte)'F';
        header[4] = 2;
        header[5] = 1;
        BitConverter.GetBytes(0x1000UL).CopyTo(header, 0x28); // section table beyond the end of the file
        BitConverter.GetBytes((ushort)64).CopyTo(header, 0x3A);
        BitConverter.GetBytes((ushort)10).CopyTo(header, 0x3C);
        File.WriteAllBytes(path, header);

        Assert.Equal(ElfPatchOutcome.NotPresent, ElfVersionNeeds.WeakenVersionNeed(path, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion));
        Assert.Equal(header, File.ReadAllBytes(path));
    }

    [CachedLibTorchSharpFact]
    public void ElfVersionNeeds_NuGetCacheCopy_IsNeverPatched()
    {
        ushort? flags = ElfVersionNeeds.ReadVersionNeedFlags(CachedLibraryPath()!, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion);
        Assert.NotNull(flags);
        Assert.Equal(0, flags.Value & Weak);
    }

    [CachedLibTorchSharpFact]
    public void ElfVersionNeeds_OutputFolderCopy_IsWeakExactlyWhenHostLacksTheVersion()
    {
        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(output), $"the build did not copy {output}");
        string? host = ElfVersionNeeds.FindHostLibStdCxx();

        // Auto mode (the default): patch only when a host libstdc++ exists and lacks the version.
        bool expectWeak = host is not null && !ElfVersionNeeds.HostProvides(host, ElfVersionNeeds.AnchorVersion);
        ushort? flags = ElfVersionNeeds.ReadVersionNeedFlags(output, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.AnchorVersion);

        Assert.NotNull(flags);
        Assert.True(
            ((flags.Value & Weak) != 0) == expectWeak,
            $"host libstdc++ '{host}' {(expectWeak ? "lacks" : "provides")} {ElfVersionNeeds.AnchorVersion}, but the output copy has flags 0x{flags.Value:x}");
        Assert.False(File.Exists(output + ".peft-patch.tmp"));
    }

    [Fact]
    public void ElfVersionNeeds_HostProvides_MatchesWholeNulTerminatedVersion()
    {
        string path = Path.Combine(_directory, "libstdc++.so.6");
        File.WriteAllBytes(path, System.Text.Encoding.ASCII.GetBytes("\0GLIBCXX_3.4\0GLIBCXX_3.4.30\0CXXABI_1.3\0"));

        Assert.True(ElfVersionNeeds.HostProvides(path, "GLIBCXX_3.4.30"));
        Assert.True(ElfVersionNeeds.HostProvides(path, "GLIBCXX_3.4"));
        Assert.False(ElfVersionNeeds.HostProvides(path, "GLIBCXX_3.4.3"));
        Assert.False(ElfVersionNeeds.HostProvides(path, ElfVersionNeeds.AnchorVersion));
    }

    internal static string? CachedLibraryPath()
    {
        string? root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        // The version pinned in Directory.Packages.props.
        string path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    private static ushort? Flags(string path, string version) =>
        ElfVersionNeeds.ReadVersionNeedFlags(path, ElfVersionNeeds.LibStdCxx, version);

    private string CopyOfCachedLibrary()
    {
        string copy = Path.Combine(_directory, "libLibTorchSharp.so");
        File.Copy(CachedLibraryPath()!, copy);
        return copy;
    }
}

/// <summary>Skips, naming the reason, unless running on Linux with TorchSharp's native library in the NuGet cache.</summary>
internal sealed class CachedLibTorchSharpFactAttribute : FactAttribute
{
    public CachedLibTorchSharpFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Needs Linux: libLibTorchSharp.so is a Linux ELF library";
        }
        else if (ElfVersionNeedsTests.CachedLibraryPath() is null)
        {
            Skip = "Needs torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so in the NuGet cache (NUGET_PACKAGES or ~/.nuget/packages), which is missing";
        }
    }
}
