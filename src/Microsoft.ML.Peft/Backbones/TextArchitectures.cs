// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>The text architectures this package builds, by <c>config.json</c>'s <c>model_type</c>; one line per architecture.</summary>
internal static class TextArchitectures
{
    private static readonly Dictionary<string, TextArchitecture> s_byModelType = new(StringComparer.Ordinal);

    static TextArchitectures()
    {
        Register(BertArchitecture.Instance);
    }

    internal static IEnumerable<string> ModelTypes => s_byModelType.Keys.Order(StringComparer.Ordinal);

    /// <exception cref="NotSupportedException">The model type is not one of <see cref="ModelTypes"/>.</exception>
    internal static TextArchitecture Get(string modelType, string source) =>
        s_byModelType.TryGetValue(modelType, out var architecture)
            ? architecture
            : throw new NotSupportedException($"'{source}' declares model_type \"{modelType}\", which this package cannot build; supported: {string.Join(", ", ModelTypes)}.");

    private static void Register(TextArchitecture architecture) => s_byModelType.Add(architecture.ModelType, architecture);
}
