// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Microsoft.ML.Peft.Tests.Packaging;

/// <summary>
/// The install path a user takes: the library packed as a NuGet package, served from a local folder feed to a console
/// application outside the repository that references it and TorchSharp-cpu, which builds, runs a LoRA model and saves its
/// adapter. The package carries its readme, licence and the buildTransitive native fix, and the application imports it.
/// </summary>
public sealed class PackageConsumptionTests : IDisposable
{
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromMinutes(5);
    private readonly string _directory = Directory.CreateTempSubdirectory("peft-consumer-").FullName;
    private readonly string _version = "0.0.0-consumer." + Guid.NewGuid().ToString("N")[..8];
    private readonly ITestOutputHelper _output;

    public PackageConsumptionTests(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);

        // The run's package version is unique, so drop it from the global packages folder again.
        string cached = Path.Combine(GlobalPackagesFolder(), "microsoft.ml.peft", _version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }
    }

    [Fact]
    public void PackedPackage_FromALocalFeed_BuildsAndRunsAConsoleAppOutsideTheRepository()
    {
        string root = RepositoryRoot();
        string feed = Path.Combine(_directory, "feed");
        string app = Path.Combine(_directory, "app");
        Assert.False(app.StartsWith(root, StringComparison.Ordinal), "the application must be outside the repository");

        Run(root, "dotnet", "pack", Path.Combine("src", "Microsoft.ML.Peft", "Microsoft.ML.Peft.csproj"), "-c", Configuration(), "--no-build", "-o", feed, $"-p:PackageVersion={_version}", "--nologo");
        string package = Path.Combine(feed, $"Microsoft.ML.Peft.{_version}.nupkg");
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("PACKAGE.md", entries);
            Assert.Contains("LICENSE", entries);
            Assert.Contains("buildTransitive/Microsoft.ML.Peft.targets", entries);
            Assert.Contains("buildTransitive/PatchLibTorchSharpVersionNeeds.cs", entries);
            Assert.Contains("lib/net10.0/Microsoft.ML.Peft.dll", entries);
            Assert.Contains("lib/net10.0/Microsoft.ML.Peft.xml", entries);
        }

        WriteApplication(app, feed, TorchSharpVersion(root));
        string output = Run(app, "dotnet", "run", "-c", "Release", "--nologo");

        Assert.Contains("trainable params: 42 || all params: 100", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(app, "adapter", "adapter_model.safetensors")), "the application saved no adapter");
        string imports = File.ReadAllText(Path.Combine(app, "obj", "Consumer.csproj.nuget.g.targets"));
        Assert.Contains("buildTransitive/Microsoft.ML.Peft.targets", imports.Replace('\\', '/'), StringComparison.Ordinal);
    }

    private void WriteApplication(string app, string feed, string torchSharpVersion)
    {
        Directory.CreateDirectory(app);

        // Adds the local feed; the machine's configured sources still serve TorchSharp and ML.NET.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.ML.Peft" Version="{_version}" />
                <PackageReference Include="TorchSharp-cpu" Version="{torchSharpVersion}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.ML;
            using Microsoft.ML.Peft;
            using static TorchSharp.torch;

            _ = new MLContext(seed: 1).Peft();
            var model = nn.Sequential(("fc1", nn.Linear(4, 8)), ("relu", nn.ReLU()), ("head", nn.Linear(8, 2)));
            using var peft = PeftModel.Create(model, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ModuleSelector.FromNames("fc1"), ModulesToSave = new[] { "head" } });
            var output = model.call(ones(3, 4));
            peft.SaveAdapter("adapter");
            Console.WriteLine($"output [{string.Join(", ", output.shape)}]; {peft.GetTrainableParameterReport()}");
            """);
    }

    private string Run(string workingDirectory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild settings would point the child build at this repository's SDK resolution.
        foreach (string variable in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            start.Environment.Remove(variable);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_stepTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{fileName} {string.Join(' ', arguments)}' did not finish within {s_stepTimeout.TotalMinutes} minutes.");
        }

        string output = stdout.Result + stderr.Result;
        _output.WriteLine($"$ {fileName} {string.Join(' ', arguments)}\n{output}");
        Assert.True(process.ExitCode == 0, $"'{fileName} {string.Join(' ', arguments)}' exited with {process.ExitCode}:\n{output}");
        return output;
    }

    // The configuration this test assembly was built in (bin/<Configuration>/<tfm>/), which pack --no-build reuses.
    private static string Configuration() => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static string TorchSharpVersion(string root) =>
        XDocument.Load(Path.Combine(root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "TorchSharp-cpu").Attribute("Version")!.Value;

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ml.Peft.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Ml.Peft.sln above {AppContext.BaseDirectory}: this test packs the library from its checkout.");
    }
}
