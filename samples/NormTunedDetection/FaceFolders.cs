// Licensed under the MIT license. See LICENSE in the repository root.

namespace NormTunedDetection;

/// <summary>The faces of the real-vs-fake-faces fixture: <c>140k_sample/real</c>, <c>140k_sample/fake</c> (StyleGAN) and <c>stylegan3_fakes</c>.</summary>
internal static class FaceFolders
{
    internal const string Real = "real";
    internal const string StyleGan = "StyleGAN";
    internal const string StyleGan3 = "StyleGAN3";

    /// <summary>The fixture folder in a <c>shared</c> folder beside the repository, looked for upwards from the working directory.</summary>
    internal static string? FindShared()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "shared", "fixtures", "datasets", "real-vs-fake-faces");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Every face under <paramref name="root"/>, in file-name order, with paths relative to it as LoadImages takes them.</summary>
    internal static List<FaceImage> Read(string root) =>
        Faces(root, Path.Combine("140k_sample", "real"), "*.jpg", isFake: false, Real)
            .Concat(Faces(root, Path.Combine("140k_sample", "fake"), "*.jpg", isFake: true, StyleGan))
            .Concat(Faces(root, "stylegan3_fakes", "*.png", isFake: true, StyleGan3))
            .ToList();

    private static IEnumerable<FaceImage> Faces(string root, string folder, string pattern, bool isFake, string source)
    {
        string path = Path.Combine(root, folder);
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"The fixture has no folder '{path}'.");
        }

        return Directory.GetFiles(path, pattern).Order(StringComparer.Ordinal)
            .Select(file => new FaceImage { ImagePath = Path.GetRelativePath(root, file), IsFake = isFake, Source = source });
    }
}
