// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// A trained (or loaded) classifier: the <see cref="PeftModel"/> over the sequence-classification network, its tokenizer and
/// device. Scores texts in length-sorted batches (<see cref="BatchInference"/>) with dynamic padding. Thread-safe: scoring is serialised, because one
/// network on one device gains nothing from concurrent forward passes.
/// </summary>
internal sealed class TextClassifierNetwork : IDisposable
{
    private readonly object _gate = new();

    internal TextClassifierNetwork(PeftModel peft, SequenceClassifierModel network, TextTokenizer tokenizer, Device device)
    {
        Peft = peft;
        Network = network;
        Tokenizer = tokenizer;
        Device = device;
    }

    internal PeftModel Peft { get; }

    internal SequenceClassifierModel Network { get; }

    internal TextTokenizer Tokenizer { get; }

    internal Device Device { get; }

    internal int LabelCount => Network.LabelCount;

    /// <summary>The logits and class probabilities of each encoded row, in the given order.</summary>
    internal ClassScores[] Score(IReadOnlyList<EncodedText> rows, int batchSize)
    {
        var result = new ClassScores[rows.Count];
        lock (_gate)
        {
            Network.eval();
            using var noGrad = no_grad();
            BatchInference.ForEachBatch(rows.Select(r => r.Length).ToArray(), batchSize, batch =>
            {
                using var scope = NewDisposeScope();
                var (ids, types, mask) = EncodedBatch.Collate(batch.Select(i => rows[i]).ToList(), Tokenizer.Layout.PadId, Device);
                var output = Network.call(ids, types, mask);
                var logits = output.to(ScalarType.Float32).cpu().data<float>().ToArray();
                var probabilities = nn.functional.softmax(output, 1).to(ScalarType.Float32).cpu().data<float>().ToArray();
                for (int b = 0; b < batch.Length; b++)
                {
                    result[batch[b]] = ClassScores.Row(logits, probabilities, b, LabelCount);
                }
            });
        }

        return result;
    }

    public void Dispose()
    {
        Peft.Dispose();
        Network.Dispose();
    }
}
