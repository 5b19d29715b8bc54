// Licensed under the MIT license. See LICENSE in the repository root.

using ArchUnitNET.Loader;

namespace Microsoft.ML.Peft.Tests.Architecture;

/// <summary>One use of a type by another, with the folders that declare each (a folder is prefixed with its project when it is not the core one).</summary>
internal sealed record FolderDependency(string OriginType, string OriginFolder, string TargetType, string TargetFolder)
{
    /// <summary>The core project; folders of other projects are shown as <c>Project:Folder</c>.</summary>
    internal const string CoreProject = "Microsoft.ML.Peft";

    internal static string Display(string project, string folder) => project == CoreProject ? folder : $"{project}:{folder}";

    /// <summary>The folder relative to its own project, as the layer table names it.</summary>
    internal static string LocalFolder(string folder) => folder.Contains(':') ? folder[(folder.IndexOf(':') + 1)..] : folder;

    internal static bool SameProject(string a, string b) => a.Contains(':') == b.Contains(':') && (!a.Contains(':') || a[..a.IndexOf(':')] == b[..b.IndexOf(':')]);

    public override string ToString() => $"{OriginType} ({OriginFolder}) -> {TargetType} ({TargetFolder})";

    /// <summary>
    /// Every dependency between types of the given projects whose folders differ, from the compiled assemblies
    /// (TngTech.ArchUnitNET reads method bodies too, so calls and object creations count, not only signatures).
    /// Compiler-generated types (closures, iterators, state machines) count as the type whose code they hold.
    /// </summary>
    internal static IReadOnlyList<FolderDependency> Load(IReadOnlyList<(string Project, System.Reflection.Assembly Assembly, SourceTypeFolders Folders)> projects, out IReadOnlyList<string> unmappedTypes)
    {
        var architecture = new ArchLoader().LoadAssemblies(projects.Select(p => p.Assembly).ToArray()).Build();
        var folderOf = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var (project, _, folders) in projects)
        {
            foreach (var (type, set) in folders.Folders)
            {
                folderOf[type] = set.Select(f => Display(project, f)).ToHashSet(StringComparer.Ordinal);
            }
        }

        var assemblies = projects.Select(p => p.Assembly.GetName().Name!).ToHashSet(StringComparer.Ordinal);
        var unmapped = new SortedSet<string>(StringComparer.Ordinal);
        var result = new HashSet<FolderDependency>();
        foreach (var type in architecture.Types.Where(t => assemblies.Contains(t.Assembly.Name.Split(',')[0])))
        {
            string? origin = SourceName(type.FullName);
            if (origin is null)
            {
                continue;
            }

            if (!folderOf.TryGetValue(origin, out var originFolders))
            {
                unmapped.Add(origin);
                continue;
            }

            foreach (var dependency in type.Dependencies)
            {
                string? target = SourceName(dependency.Target.FullName);
                if (target is null || target == origin || !folderOf.TryGetValue(target, out var targetFolders))
                {
                    continue;
                }

                foreach (string from in originFolders)
                {
                    foreach (string to in targetFolders.Where(t => t != from))
                    {
                        result.Add(new FolderDependency(origin, from, target, to));
                    }
                }
            }
        }

        unmappedTypes = unmapped.ToList();
        return result.OrderBy(d => d.ToString(), StringComparer.Ordinal).ToList();
    }

    // Metadata name of the source type that owns a compiled type: nested compiler-generated types ("Outer+<>c") belong
    // to their declaring type; top-level compiler-generated ones ("<Module>", "<PrivateImplementationDetails>") and the
    // attributes the compiler embeds (Microsoft.CodeAnalysis.*, System.Runtime.CompilerServices.*) have no source.
    private static string? SourceName(string fullName)
    {
        var kept = new List<string>();
        foreach (string segment in fullName.Replace('/', '+').Split('+'))
        {
            if (segment.StartsWith('<'))
            {
                break;
            }

            int cut = segment.IndexOfAny(new[] { '<', '[' });
            kept.Add(cut < 0 ? segment : segment[..cut]);
        }

        if (kept.Count == 0 || fullName.StartsWith("Microsoft.CodeAnalysis.", StringComparison.Ordinal) || fullName.StartsWith("System.", StringComparison.Ordinal))
        {
            return null;
        }

        return string.Join('+', kept);
    }
}
