// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The names of the columns a classifier adds: <c>Score</c> and <c>PredictedLabel</c>, and <c>Probability</c>, which only a
/// binary classifier (Boolean label) adds. Shared by the estimators' shapes, the transformers' schemas and the saved stages.
/// </summary>
internal sealed record ClassifierOutputColumns(string Score, string Probability, string PredictedLabel)
{
    /// <summary>ML.NET's default name of a binary classifier's probability column, used for stages saved before it was recorded.</summary>
    internal const string DefaultProbability = "Probability";

    /// <summary>ML.NET's default names: <c>Score</c>, <c>Probability</c>, <c>PredictedLabel</c>.</summary>
    internal static ClassifierOutputColumns Default { get; } = new("Score", DefaultProbability, "PredictedLabel");

    /// <summary>Adds the names to a stage's fields.</summary>
    internal void WriteTo(JsonObject fields)
    {
        fields["score_column"] = Score;
        fields["probability_column"] = Probability;
        fields["predicted_label_column"] = PredictedLabel;
    }

    /// <summary>The names written by <see cref="WriteTo"/>.</summary>
    /// <exception cref="InvalidDataException">The score or predicted-label column name is missing.</exception>
    internal static ClassifierOutputColumns ReadFrom(LoadedStage stage) => new(
        stage.RequiredString("score_column"),
        stage.Fields["probability_column"]?.GetValue<string>() ?? DefaultProbability,
        stage.RequiredString("predicted_label_column"));

    /// <summary>
    /// Checks the options that name these columns: each names a column and no two are the same, since a later column would
    /// hide an earlier one.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty or two are equal; the message names the options.</exception>
    internal static void Validate(string score, string probability, string predictedLabel)
    {
        TrainerOptionsValidator.RequireColumnNames(
            ("ScoreColumnName", score),
            ("ProbabilityColumnName", probability),
            ("PredictedLabelColumnName", predictedLabel));
        TrainerOptionsValidator.RequireDistinctColumnNames(("ScoreColumnName", score), ("ProbabilityColumnName", probability), ("PredictedLabelColumnName", predictedLabel));
    }
}
