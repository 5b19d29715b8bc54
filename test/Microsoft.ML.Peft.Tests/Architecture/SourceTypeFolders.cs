// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Microsoft.ML.Peft.Tests.Architecture;

/// <summary>
/// Which folder of a project declares each type, read from the source tree. Layers are folders, not namespaces (public
/// types all live in <c>Microsoft.ML.Peft</c>), so only the source knows where a type lives. Keys are metadata names
/// (<c>Namespace.Outer+Inner`1</c>), as the compiled assembly spells them.
/// </summary>
internal sealed class SourceTypeFolders
{
    /// <summary>The name the repository root's folder is shown as.</summary>
    internal const string RootFolder = "(root)";

    private SourceTypeFolders(IReadOnlyDictionary<string, IReadOnlySet<string>> folders) => Folders = folders;

    /// <summary>Type metadata name to the folders (relative to the project, '/'-separated) that declare it or part of it.</summary>
    internal IReadOnlyDictionary<string, IReadOnlySet<string>> Folders { get; }

    /// <summary>Partial types declared in more than one folder, with those folders.</summary>
    internal IEnumerable<(string Type, IReadOnlySet<string> Folders)> SplitPartials =>
        Folders.Where(f => f.Value.Count > 1).Select(f => (f.Key, f.Value)).OrderBy(f => f.Key, StringComparer.Ordinal);

    /// <summary>The repository root: the first folder above the test assembly that holds Ml.Peft.sln.</summary>
    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ml.Peft.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Ml.Peft.sln.");
    }

    /// <summary>Reads every .cs file of <paramref name="projectDirectory"/> except build output.</summary>
    internal static SourceTypeFolders Read(string projectDirectory)
    {
        var folders = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(projectDirectory, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(projectDirectory, Path.GetDirectoryName(file)!).Replace('\\', '/');
            string first = relative.Split('/')[0];
            if (first is "bin" or "obj")
            {
                continue;
            }

            string folder = relative == "." ? RootFolder : relative;
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file), path: file).GetCompilationUnitRoot();
            foreach (var declaration in root.DescendantNodes().OfType<MemberDeclarationSyntax>().Where(d => d is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax))
            {
                string name = MetadataName(declaration);
                if (!folders.TryGetValue(name, out var set))
                {
                    folders[name] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(folder);
            }
        }

        return new SourceTypeFolders(folders.ToDictionary(f => f.Key, f => (IReadOnlySet<string>)f.Value, StringComparer.Ordinal));
    }

    private static string MetadataName(MemberDeclarationSyntax declaration)
    {
        var types = new List<string>();
        var namespaces = new List<string>();
        for (SyntaxNode? node = declaration; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case TypeDeclarationSyntax type:
                    types.Add(type.Identifier.ValueText + Arity(type.TypeParameterList));
                    break;
                case DelegateDeclarationSyntax @delegate:
                    types.Add(@delegate.Identifier.ValueText + Arity(@delegate.TypeParameterList));
                    break;
                case EnumDeclarationSyntax @enum:
                    types.Add(@enum.Identifier.ValueText);
                    break;
                case BaseNamespaceDeclarationSyntax @namespace:
                    namespaces.Add(@namespace.Name.ToString());
                    break;
            }
        }

        types.Reverse();
        namespaces.Reverse();
        string prefix = namespaces.Count == 0 ? string.Empty : string.Join('.', namespaces) + ".";
        return prefix + string.Join('+', types);
    }

    private static string Arity(TypeParameterListSyntax? parameters) =>
        parameters is { Parameters.Count: > 0 } ? "`" + parameters.Parameters.Count : string.Empty;
}
