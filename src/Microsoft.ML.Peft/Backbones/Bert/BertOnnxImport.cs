// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>
/// What <see cref="BertOnnxImporter"/> recovered from a BERT ONNX export: the encoder's configuration and its weights
/// under Hugging Face's <c>BertModel</c> names. It owns the tensors until they are taken out of
/// <see cref="StateDict"/>; disposing it disposes those still there.
/// </summary>
internal sealed class BertOnnxImport : IDisposable
{
    internal BertOnnxImport(BertConfig config, Dictionary<string, Tensor> stateDict, bool hasPooler)
    {
        Config = config;
        StateDict = stateDict;
        HasPooler = hasPooler;
    }

    /// <summary>
    /// The configuration read from the graph. Dropout probabilities and <c>pad_token_id</c> leave no trace in an
    /// inference graph and are Hugging Face's defaults (0.1, 0.1, 0).
    /// </summary>
    internal BertConfig Config { get; }

    /// <summary>
    /// CPU float32 tensors, in no dispose scope, keyed exactly as <c>new BertModel(Config).state_dict()</c>, except that
    /// <c>pooler.dense.weight</c>/<c>bias</c> are absent when <see cref="HasPooler"/> is false.
    /// </summary>
    internal Dictionary<string, Tensor> StateDict { get; }

    /// <summary>
    /// Whether the export carried the pooler. Exports of sentence-embedding models often drop it (only the last hidden
    /// state is an output); a model built from such an import has a randomly initialised pooler, which mean pooling
    /// never uses but <see cref="BertModel.Pool"/> does.
    /// </summary>
    internal bool HasPooler { get; }

    /// <summary>A new <see cref="BertModel"/> of <see cref="Config"/> holding copies of the imported weights.</summary>
    internal BertModel CreateModel()
    {
        var model = new BertModel(Config);
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var target = model.state_dict();
            foreach (var (key, value) in StateDict)
            {
                target[key].copy_(value);
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var tensor in StateDict.Values)
        {
            tensor.Dispose();
        }

        StateDict.Clear();
    }
}
