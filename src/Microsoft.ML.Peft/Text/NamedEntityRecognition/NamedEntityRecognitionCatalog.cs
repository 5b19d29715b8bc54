// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft;

/// <summary>Named-entity recognition operations of <see cref="PeftCatalog"/>.</summary>
public static partial class NamedEntityRecognitionCatalog
{
    /// <summary>
    /// Computes entity-level precision, recall and F1 of predicted tags against gold tags, as seqeval does, like ML.NET's
    /// <c>Evaluate</c> methods.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each row is a sentence; both columns hold one tag per token, as a vector of text (<c>B-PER</c>, <c>I-PER</c>,
    /// <c>O</c>) or a vector of keys whose key values are those texts. Both are in <paramref name="scheme"/>.
    /// </para>
    /// <para>
    /// <paramref name="strict"/> picks how tags become entities. <c>true</c> is seqeval's <c>mode="strict"</c> with the
    /// scheme (<c>scheme=IOB2</c> for IOB2): an entity must start, continue and end as the scheme says, so an IOB2
    /// <c>I-X</c> that does not follow <c>B-X</c> or <c>I-X</c> is no entity. <c>false</c> is seqeval's default mode,
    /// which counts IOB tags as conlleval.pl does and is what Hugging Face's <c>run_ner</c> and the <c>evaluate</c> seqeval
    /// metric report: there such an <c>I-X</c> starts an entity. The two agree on sentences that are valid in the scheme; they
    /// differ on taggers that predict tokens one by one and leave invalid transitions.
    /// </para>
    /// </remarks>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="data">Scored data: one row per sentence.</param>
    /// <param name="labelColumnName">The gold tags column.</param>
    /// <param name="predictedLabelColumnName">The predicted tags column.</param>
    /// <param name="scheme">The tag scheme of both columns.</param>
    /// <param name="strict">seqeval's strict mode when true; its default mode (conlleval-compatible for IOB tags) when false.</param>
    /// <returns>Micro and macro scores and the scores of each entity type.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or is not a vector of text or of keys with text values.</exception>
    /// <exception cref="InvalidOperationException">
    /// <paramref name="data"/> has no rows, or a row has an empty sentence, different tag counts in the two columns, a
    /// missing key or a tag that is malformed or not of <paramref name="scheme"/>; the message names the row and the token.
    /// </exception>
    /// <example>
    /// <code language="csharp">
    /// var test = mlContext.Data.LoadFromConllFile("test.tsv");
    /// var metrics = mlContext.Peft().EvaluateNamedEntities(model.Transform(test));
    /// Console.WriteLine($"F1 {metrics.MicroF1:P2}, Disease F1 {metrics.PerType["Disease"].F1:P2}");
    /// </code>
    /// </example>
    public static NamedEntityMetrics EvaluateNamedEntities(
        this PeftCatalog catalog,
        IDataView data,
        string labelColumnName = "Tags",
        string predictedLabelColumnName = "PredictedTags",
        TagScheme scheme = TagScheme.Iob2,
        bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(predictedLabelColumnName);
        var gold = TagColumnReader.Check(data.Schema, "Tags", labelColumnName);
        var predicted = TagColumnReader.Check(data.Schema, "Predicted tags", predictedLabelColumnName);

        var evaluator = new NamedEntityEvaluator(scheme, strict, $"tags in column '{labelColumnName}'", $"tags in column '{predictedLabelColumnName}'");
        using var cursor = data.GetRowCursor(new[] { gold, predicted });
        var readGold = TagColumnReader.Create(cursor, gold, "Tags");
        var readPredicted = TagColumnReader.Create(cursor, predicted, "Predicted tags");
        while (cursor.MoveNext())
        {
            evaluator.Add(readGold.Read(), readPredicted.Read(), cursor.Position);
        }

        return evaluator.GetMetrics();
    }
}
