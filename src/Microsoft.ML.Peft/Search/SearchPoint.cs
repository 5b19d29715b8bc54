// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Microsoft.ML.Peft.Adapters;

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// One point of a search space: a method configuration with one rank, alpha, dropout, learning rate and target set. Settings the
/// method does not have are null, so two points that train the same thing have the same <see cref="Key"/>.
/// </summary>
internal sealed record SearchPoint(
    int MethodIndex, PeftConfig Template, int? Rank, double? Alpha, double? Dropout, IReadOnlyList<string>? Targets, double LearningRate)
{
    /// <summary>Builds the point for <paramref name="template"/>, keeping only the settings its method has.</summary>
    internal static SearchPoint Create(int methodIndex, PeftConfig template, int rank, double alphaRankRatio, double dropout, IReadOnlyList<string>? targets, double learningRate) =>
        new(
            methodIndex,
            template,
            template is IRankedConfig ? rank : null,
            template is IScaledConfig ? alphaRankRatio * (template is IRankedConfig ? rank : 1) : null,
            template is IDropoutConfig ? dropout : null,
            targets,
            learningRate);

    /// <summary>Identifies what the point trains: equal keys train the same model.</summary>
    internal string Key => string.Create(
        CultureInfo.InvariantCulture,
        $"{MethodIndex}|{Rank}|{Alpha:R}|{Dropout:R}|{(Targets is null ? "default" : string.Join(",", Targets))}|{LearningRate:R}");

    /// <summary>A new configuration of the method with the point's settings; the template is not changed.</summary>
    internal PeftConfig BuildMethod()
    {
        var method = Template.Clone();
        if (Rank is int rank && method is IRankedConfig ranked)
        {
            ranked.Rank = rank;
        }

        if (Alpha is double alpha && method is IScaledConfig scaled)
        {
            scaled.Alpha = alpha;
        }

        if (Dropout is double dropout && method is IDropoutConfig dropped)
        {
            dropped.Dropout = dropout;
        }

        if (Targets is { } targets)
        {
            method.TargetModules = ModuleSelector.FromNames(targets);
        }

        return method;
    }

    /// <summary>The seed of this point's trial: the same for the same point in every search with the experiment's seed.</summary>
    internal int TrialSeed(int experimentSeed)
    {
        // FNV-1a over the key: stable across processes, unlike string.GetHashCode.
        uint hash = 2166136261;
        foreach (char c in Key)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)((hash ^ (uint)experimentSeed) & 0x7FFFFFFF);
    }
}
