// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using Microsoft.ML.Peft.Torch;

namespace Microsoft.ML.Peft.Tests.Torch;

/// <summary>
/// The message for TorchSharp's native load failure: when the host's libstdc++ lacks GLIBCXX_3.4.32 it names that cause and
/// the fix instead of TorchSharp's "no reference to libtorch"; with a new enough libstdc++, or none found, TorchSharp's own error stands.
/// </summary>
public sealed class TorchNativeLibraryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("peft-libstdcxx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Explain_OldLibstdcxx_NamesTheMissingVersionTheFileAndTheFix()
    {
        string old = Library("old", "GLIBCXX_3.4.30", "GLIBCXX_3.4.31");
        var failure = new NotSupportedException("This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64.");

        var explained = TorchNativeLibrary.Explain(failure, old);

        Assert.NotNull(explained);
        Assert.Contains("GLIBCXX_3.4.32", explained!.Message, StringComparison.Ordinal);
        Assert.Contains(old, explained.Message, StringComparison.Ordinal);
        Assert.Contains("buildTransitive", explained.Message, StringComparison.Ordinal);
        Assert.Contains("build/Microsoft.ML.Peft.targets", explained.Message, StringComparison.Ordinal);
        Assert.Same(failure, explained.InnerException);
    }

    [Fact]
    public void Explain_NewEnoughOrMissingLibstdcxx_LeavesTorchSharpsError()
    {
        var failure = new NotSupportedException("no libtorch");
        Assert.Null(TorchNativeLibrary.Explain(failure, Library("new", "GLIBCXX_3.4.31", "GLIBCXX_3.4.32")));
        Assert.Null(TorchNativeLibrary.Explain(failure, Path.Combine(_directory, "absent.so")));
        Assert.Null(TorchNativeLibrary.Explain(failure, libstdcxxPath: null));
    }

    [Fact]
    public void EnsureLoaded_OnThisHost_LoadsTheBackend()
    {
        TorchNativeLibrary.EnsureLoaded();
        TorchNativeLibrary.EnsureLoaded();
        using var t = TorchSharp.torch.ones(2);
        Assert.Equal(2f, t.sum().item<float>());
    }

    // A file with the version strings a libstdc++.so.6 carries in its .gnu.version_d section, between other bytes.
    private string Library(string name, params string[] versions)
    {
        string path = Path.Combine(_directory, name + ".so.6");
        File.WriteAllBytes(path, new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }.Concat(versions.SelectMany(v => Encoding.ASCII.GetBytes(v).Append((byte)0))).ToArray());
        return path;
    }
}
