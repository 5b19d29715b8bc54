// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Architecture;

/// <summary>The checks of <see cref="FolderLayers"/> over folder dependencies; each violation is one line naming both types and both folders.</summary>
internal static class FolderRules
{
    internal static IEnumerable<string> UnknownFolders(IEnumerable<string> folders) =>
        folders.Where(f => FolderLayers.LayerOf(FolderDependency.LocalFolder(f)) is null)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .Select(f => $"folder {f} is not in the layer table: add it to the layer table");

    internal static IEnumerable<string> LayerViolations(IEnumerable<FolderDependency> dependencies)
    {
        foreach (var d in dependencies)
        {
            int? from = FolderLayers.LayerOf(FolderDependency.LocalFolder(d.OriginFolder));
            int? to = FolderLayers.LayerOf(FolderDependency.LocalFolder(d.TargetFolder));
            if (from is not null && to is not null && to > from)
            {
                yield return $"{d}: layer {from} uses layer {to}";
            }
        }
    }

    internal static IEnumerable<string> SiblingViolations(IEnumerable<FolderDependency> dependencies)
    {
        foreach (var d in dependencies.Where(d => FolderDependency.SameProject(d.OriginFolder, d.TargetFolder)))
        {
            string origin = FolderDependency.LocalFolder(d.OriginFolder);
            string target = FolderDependency.LocalFolder(d.TargetFolder);
            if (FolderLayers.SharedSiblingGroup(origin, target) is { } group && !FolderLayers.SiblingUseAllowed(origin, target))
            {
                yield return $"{d}: sibling folders of {group} do not use each other";
            }
        }
    }

    /// <summary>
    /// The shortest cycle through each folder that is on one, as "A -> B -> A" starting at its first folder in ordinal
    /// order, each cycle once: one cycle per group would hide the others of a large tangle.
    /// </summary>
    internal static IEnumerable<string> Cycles(IEnumerable<FolderDependency> dependencies)
    {
        var edges = dependencies
            .Where(d => !FolderLayers.CycleExempt(FolderDependency.LocalFolder(d.OriginFolder), FolderDependency.LocalFolder(d.TargetFolder)) || !FolderDependency.SameProject(d.OriginFolder, d.TargetFolder))
            .GroupBy(d => d.OriginFolder, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(d => d.TargetFolder).Distinct().Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var cycles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var component in StronglyConnected(edges).Where(c => c.Count > 1))
        {
            foreach (string start in component)
            {
                var path = ShortestCycle(start, edges, component);
                path.RemoveAt(path.Count - 1);
                int first = path.IndexOf(path.Min(StringComparer.Ordinal)!);
                var rotated = path.Skip(first).Concat(path.Take(first)).ToList();
                rotated.Add(rotated[0]);
                cycles.Add($"cycle: {string.Join(" -> ", rotated)}");
            }
        }

        return cycles;
    }

    private static List<string> ShortestCycle(string start, Dictionary<string, List<string>> edges, HashSet<string> component)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            string node = queue.Dequeue();
            foreach (string next in edges.GetValueOrDefault(node) ?? new List<string>())
            {
                if (next == start)
                {
                    var path = new List<string> { start };
                    for (string at = node; at != start; at = previous[at])
                    {
                        path.Insert(1, at);
                    }

                    path.Add(start);
                    return path;
                }

                if (component.Contains(next) && !previous.ContainsKey(next))
                {
                    previous[next] = node;
                    queue.Enqueue(next);
                }
            }
        }

        throw new InvalidOperationException($"No cycle through {start}.");
    }

    // Tarjan's algorithm; the graph has a few dozen folders, so recursion depth is no concern.
    private static List<HashSet<string>> StronglyConnected(Dictionary<string, List<string>> edges)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<HashSet<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (string next in edges.GetValueOrDefault(node) ?? new List<string>())
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new HashSet<string>(StringComparer.Ordinal);
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                result.Add(component);
            }
        }

        foreach (string node in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return result;
    }
}
