// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// The third-party fixtures in <c>../shared/fixtures</c> beside the repository. They are present in CI and absent
/// on a fresh clone, where the tests that need them skip with a message naming the missing path.
/// </summary>
internal static class SharedFixtures
{
    private static readonly Lazy<string?> s_root = new(FindRoot);

    /// <summary>The fixtures folder, or null when it is not beside the repository.</summary>
    internal static string? Root => s_root.Value;

    /// <summary>A path inside the fixtures folder (which may not exist).</summary>
    internal static string Path(params string[] parts) =>
        System.IO.Path.Combine(new[] { Root ?? ExpectedRoot() }.Concat(parts).ToArray());

    /// <summary>The reason to skip when <paramref name="relativePath"/> is missing; null when it exists.</summary>
    internal static string? SkipReason(string relativePath)
    {
        string path = Path(relativePath.Split('/'));
        return File.Exists(path) || Directory.Exists(path)
            ? null
            : $"Needs ../shared/fixtures/{relativePath}, which is missing ({System.IO.Path.GetFullPath(path)}).";
    }

    // Where the fixtures would be: beside the repository that holds this build, or beside the working folder when the
    // test assembly runs outside a checkout. Skip messages name this path, not one under bin/.
    private static string ExpectedRoot()
    {
        string start = RepositoryRoot() ?? Environment.CurrentDirectory;
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(start, "..", "shared", "fixtures"));
    }

    private static string? RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Ml.Peft.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    // The repository root holds Ml.Peft.sln; the fixtures are at <root>/../shared/fixtures.
    private static string? FindRoot()
    {
        string fixtures = ExpectedRoot();
        return RepositoryRoot() is not null && Directory.Exists(fixtures) ? fixtures : null;
    }
}

/// <summary>A fact that needs paths under <c>../shared/fixtures</c> and skips, naming the first absent one.</summary>
public sealed class SharedFixtureFactAttribute : FactAttribute
{
    public SharedFixtureFactAttribute(params string[] relativePaths) =>
        Skip = relativePaths.Select(SharedFixtures.SkipReason).FirstOrDefault(reason => reason is not null);
}

/// <summary>A theory that needs paths under <c>../shared/fixtures</c> and skips, naming the first absent one.</summary>
public sealed class SharedFixtureTheoryAttribute : TheoryAttribute
{
    public SharedFixtureTheoryAttribute(params string[] relativePaths) =>
        Skip = relativePaths.Select(SharedFixtures.SkipReason).FirstOrDefault(reason => reason is not null);
}
