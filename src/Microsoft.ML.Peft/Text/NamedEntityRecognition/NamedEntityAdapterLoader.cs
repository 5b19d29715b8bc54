// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// A tagger from a backbone and a PEFT TOKEN_CLS adapter folder, e.g. one trained in Python: the head's rows give the number
/// of tags, the names come from the caller or the backbone's <c>id2label</c>, and the adapter is loaded frozen.
/// </summary>
internal static class NamedEntityAdapterLoader
{
    internal const string TaskType = "TOKEN_CLS";

    /// <summary>Where adapters of the other text task go, for the message that refuses them.</summary>
    internal static readonly IReadOnlyDictionary<string, string> OtherTasks = new Dictionary<string, string>
    {
        ["SEQ_CLS"] = "mlContext.Peft().TextClassifierFromAdapter (a sequence classifier's adapter)",
    };

    internal static LoraNamedEntityRecognitionTransformer Load(
        MLContext context, PretrainedModel backbone, string adapterDirectory, NamedEntityColumns columns, IEnumerable<string>? tagNames, int predictionBatchSize)
    {
        var text = backbone.AsText("NamedEntityRecognizerFromAdapter");
        var adapter = PretrainedAdapter.Open(adapterDirectory, nameof(adapterDirectory));
        adapter.RequireTaskType(TaskType, "a named-entity recognizer", OtherTasks);
        int rows = adapter.HeadRows(text.Architecture.TokenClassifierOutputModule, TaskType);
        var names = PretrainedAdapter.ClassNames(tagNames, backbone, rows, nameof(tagNames), adapterDirectory);
        var tokenizer = text.CreateTokenizer();
        var network = text.Architecture.CreateTokenClassifier(text.CreateEncoder(), rows);
        return adapter.BuildFrozen(context, network, (peft, device) =>
            new LoraNamedEntityRecognitionTransformer(
                new TokenClassifierNetwork(peft, network, tokenizer, windowOverlap: null, device), columns, names, BackboneReference.Of(backbone), predictionBatchSize, trainingInfo: null));
    }
}
