// Licensed under the MIT license. See LICENSE in the repository root.

namespace ChangeDetection;

/// <summary>
/// The LEVIR-CD samples of ../shared: <c>A/</c> (before), <c>B/</c> (after) and <c>label/</c> (change, white), 256 × 256
/// tiles; <c>list/demo.txt</c> names some of them.
/// </summary>
internal static class LevirFolder
{
    /// <summary>The dataset folder found above the working directory, or null.</summary>
    internal static string? FindShared()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "shared", "fixtures", "datasets", "levir-cd-samples");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Every tile with a label, in name order; a tile without one cannot be trained on or scored against the truth.</summary>
    internal static List<LevirPair> Read(string root) =>
        Directory.GetFiles(Path.Combine(root, "label"), "*.png")
            .Select(Path.GetFileName)
            .Where(name => File.Exists(Path.Combine(root, "A", name!)) && File.Exists(Path.Combine(root, "B", name!)))
            .Order(StringComparer.Ordinal)
            .Select(name => new LevirPair { Name = Path.GetFileNameWithoutExtension(name!), BeforePath = Path.Combine("A", name!), AfterPath = Path.Combine("B", name!), MaskPath = Path.Combine("label", name!) })
            .ToList();

    /// <summary>The tiles <c>list/demo.txt</c> names.</summary>
    internal static HashSet<string> DemoList(string root) =>
        File.ReadAllLines(Path.Combine(root, "list", "demo.txt")).Select(l => Path.GetFileNameWithoutExtension(l.Trim())).Where(l => l.Length > 0).ToHashSet();
}
