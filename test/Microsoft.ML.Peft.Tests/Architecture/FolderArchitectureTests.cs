// Licensed under the MIT license. See LICENSE in the repository root.

using Xunit.Abstractions;

namespace Microsoft.ML.Peft.Tests.Architecture;

/// <summary>
/// The folder layering of src/Microsoft.ML.Peft and src/Microsoft.ML.Peft.Vision (<see cref="FolderLayers"/>), checked on
/// the compiled assemblies with each type placed in the folder whose source declares it.
/// </summary>
public sealed class FolderArchitectureTests
{
    private static readonly Lazy<Analysis> s_analysis = new(Analysis.Run);

    private readonly ITestOutputHelper _output;

    public FolderArchitectureTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Folders_EveryFolderWithTypes_IsInTheLayerTable()
    {
        AssertNone(FolderRules.UnknownFolders(s_analysis.Value.Folders));
    }

    [Fact]
    public void Folders_Dependencies_GoToTheSameOrALowerLayer()
    {
        AssertNone(FolderRules.LayerViolations(s_analysis.Value.Dependencies));
    }

    [Fact]
    public void Folders_TaskMethodAndBackboneSiblings_UseEachOtherOnlyWhereAllowed()
    {
        AssertNone(FolderRules.SiblingViolations(s_analysis.Value.Dependencies));
    }

    [Fact]
    public void Folders_Dependencies_HaveNoCycle()
    {
        AssertNone(FolderRules.Cycles(s_analysis.Value.Dependencies));
    }

    [Fact]
    public void SourceTypeFolders_EveryCompiledType_IsFoundInTheSource()
    {
        var analysis = s_analysis.Value;
        foreach (var (type, folders) in analysis.SplitPartials)
        {
            // Reported, not refused: a partial type spread over folders belongs to each of them, so the rules see all its uses from each.
            _output.WriteLine($"partial type {type} is declared in {string.Join(", ", folders)}");
        }

        Assert.True(analysis.UnmappedTypes.Count == 0, "Compiled types with no declaration found in the source:\n" + string.Join('\n', analysis.UnmappedTypes));
        Assert.True(analysis.Dependencies.Count > 100, $"only {analysis.Dependencies.Count} cross-folder dependencies were read");
    }

    [Fact]
    public void FolderRules_UpwardAndSiblingUses_AreReported()
    {
        var uses = new[]
        {
            new FolderDependency("Microsoft.ML.Peft.SafeTensorsFile", "Formats/SafeTensors", "Microsoft.ML.Peft.PeftModel", "Tuning"),
            new FolderDependency("Microsoft.ML.Peft.LoKrLayer", "Methods/LoKr", "Microsoft.ML.Peft.LycorisLayer", "Methods/Lycoris"),
            new FolderDependency("Microsoft.ML.Peft.LoKrLayer", "Methods/LoKr", "Microsoft.ML.Peft.LoraLayer", "Methods/Lora"),
            new FolderDependency("Microsoft.ML.Peft.VitModel", "Microsoft.ML.Peft.Vision:Backbones/Vit", "Microsoft.ML.Peft.PeftModel", "Tuning"),
            new FolderDependency("Microsoft.ML.Peft.VitModel", "Microsoft.ML.Peft.Vision:Backbones/Vit", "Microsoft.ML.Peft.PipelineArchive", "Persistence"),
            new FolderDependency("Microsoft.ML.Peft.PeftModel", "Tuning", "Microsoft.ML.Peft.SafeTensorsFile", "Formats/SafeTensors"),
        };

        Assert.Equal(
            new[]
            {
                "Microsoft.ML.Peft.SafeTensorsFile (Formats/SafeTensors) -> Microsoft.ML.Peft.PeftModel (Tuning): layer 1 uses layer 3",
                "Microsoft.ML.Peft.VitModel (Microsoft.ML.Peft.Vision:Backbones/Vit) -> Microsoft.ML.Peft.PipelineArchive (Persistence): layer 5 uses layer 8",
            },
            FolderRules.LayerViolations(uses));
        Assert.Equal(
            new[] { "Microsoft.ML.Peft.LoKrLayer (Methods/LoKr) -> Microsoft.ML.Peft.LoraLayer (Methods/Lora): sibling folders of Methods/* do not use each other" },
            FolderRules.SiblingViolations(uses));
        Assert.Equal(new[] { "cycle: Formats/SafeTensors -> Tuning -> Formats/SafeTensors" }, FolderRules.Cycles(uses));
        Assert.Equal(new[] { "folder Samples is not in the layer table: add it to the layer table" }, FolderRules.UnknownFolders(new[] { "Tuning", "Samples" }));
    }

    private static void AssertNone(IEnumerable<string> violations)
    {
        var all = violations.ToList();
        Assert.True(all.Count == 0, $"{all.Count} violations of the folder layering:\n" + string.Join('\n', all));
    }

    private sealed record Analysis(IReadOnlyList<FolderDependency> Dependencies, IReadOnlyList<string> Folders, IReadOnlyList<string> UnmappedTypes, IReadOnlyList<(string Type, IReadOnlySet<string> Folders)> SplitPartials)
    {
        internal static Analysis Run()
        {
            string root = SourceTypeFolders.RepositoryRoot();
            var projects = new[] { FolderDependency.CoreProject, "Microsoft.ML.Peft.Vision" }
                .Select(name => (Project: name, Assembly: System.Reflection.Assembly.Load(name), Folders: SourceTypeFolders.Read(Path.Combine(root, "src", name))))
                .ToList();
            var dependencies = FolderDependency.Load(projects, out var unmapped);
            var folders = projects.SelectMany(p => p.Folders.Folders.Values.SelectMany(f => f).Select(f => FolderDependency.Display(p.Project, f))).Distinct().ToList();
            var partials = projects.SelectMany(p => p.Folders.SplitPartials).ToList();
            return new Analysis(dependencies, folders, unmapped, partials);
        }
    }
}
