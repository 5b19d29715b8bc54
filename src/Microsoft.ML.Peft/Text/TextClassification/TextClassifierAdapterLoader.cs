// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// A text classifier from a backbone and a PEFT SEQ_CLS adapter folder, e.g. one trained in Python: the head's rows give the
/// number of classes, the names come from the caller or the backbone's <c>id2label</c>, and the adapter is loaded frozen.
/// </summary>
internal static class TextClassifierAdapterLoader
{
    internal const string TaskType = "SEQ_CLS";

    /// <summary>Where adapters of the other text task go, for the message that refuses them.</summary>
    internal static readonly IReadOnlyDictionary<string, string> OtherTasks = new Dictionary<string, string>
    {
        ["TOKEN_CLS"] = "mlContext.Peft().NamedEntityRecognizerFromAdapter (a token classifier's adapter)",
    };

    internal static LoraTextClassificationTransformer Load(
        MLContext context, PretrainedModel backbone, string adapterDirectory, TextClassifierColumns columns, IEnumerable<string>? labelNames, bool binary, int predictionBatchSize)
    {
        var text = backbone.AsText("TextClassifierFromAdapter");
        var adapter = PretrainedAdapter.Open(adapterDirectory, nameof(adapterDirectory));
        adapter.RequireTaskType(TaskType, "a text classifier", OtherTasks);
        int rows = adapter.HeadRows(text.Architecture.SequenceClassifierOutputModule, TaskType);
        var names = PretrainedAdapter.ClassNames(labelNames, backbone, rows, nameof(labelNames), adapterDirectory);
        if (binary && rows != 2)
        {
            throw new ArgumentException($"`{nameof(binary)}` needs an adapter whose head scores 2 classes; the one in '{adapterDirectory}' scores {rows}.", nameof(binary));
        }

        var label = binary ? ClassifierLabel.Binary : new ClassifierLabel(IsBinary: false, rows, names);
        var tokenizer = text.CreateTokenizer();
        var network = text.Architecture.CreateSequenceClassifier(text.CreateEncoder(), rows);
        return adapter.BuildFrozen(context, network, (peft, device) =>
            new LoraTextClassificationTransformer(new TextClassifierNetwork(peft, network, tokenizer, device), columns, label, BackboneReference.Of(backbone), predictionBatchSize, trainingInfo: null));
    }
}
