// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// A trained (or loaded) tagger: the <see cref="PeftModel"/> over a token-classification network, its tokenizer, window
/// overlap and device. Predicts one tag per word, window by window, in length-sorted batches. Scoring is serialised.
/// </summary>
internal sealed class TokenClassifierNetwork : IDisposable
{
    private readonly object _gate = new();

    internal TokenClassifierNetwork(PeftModel peft, TokenClassifierModel network, TextTokenizer tokenizer, int? windowOverlap, Device device)
    {
        Peft = peft;
        Network = network;
        Tokenizer = tokenizer;
        WindowOverlap = windowOverlap;
        Device = device;
    }

    internal PeftModel Peft { get; }

    internal TokenClassifierModel Network { get; }

    internal TextTokenizer Tokenizer { get; }

    internal int? WindowOverlap { get; }

    internal Device Device { get; }

    internal int LabelCount => Network.LabelCount;

    /// <summary>Splits a sentence into the windows the network sees.</summary>
    internal WindowedSentence Encode(IReadOnlyList<string> words) => WindowedSentence.Encode(Tokenizer, words, WindowOverlap);

    /// <summary>The most probable zero-based tag of every word of every sentence.</summary>
    internal int[][] Predict(IReadOnlyList<WindowedSentence> sentences, int batchSize) =>
        PredictWords(sentences, batchSize).Select(s => s.Select(w => w.Tag).ToArray()).ToArray();

    /// <summary>
    /// The most probable zero-based tag of every word of every sentence with its softmax probability, both at the word's first
    /// sub-token in the window that owns the word.
    /// </summary>
    internal WordPrediction[][] PredictWords(IReadOnlyList<WindowedSentence> sentences, int batchSize)
    {
        var windows = sentences.SelectMany((s, i) => s.Windows.Select((w, k) => (Sentence: i, Window: k, Encoding: w))).ToList();
        var perWindow = sentences.Select(s => new IReadOnlyList<WordPrediction>[s.Windows.Count]).ToArray();
        lock (_gate)
        {
            Network.eval();
            using var noGrad = no_grad();
            BatchInference.ForEachBatch(windows.Select(w => w.Encoding.Length).ToArray(), batchSize, indices =>
            {
                using var scope = NewDisposeScope();
                var batch = indices.Select(i => windows[i]).ToList();
                var (ids, types, mask) = TokenClassificationCollator.Collate(batch.Select(b => b.Encoding).ToList(), Tokenizer.Layout.PadId, Device);

                // The arg max of the probabilities is the arg max of the logits (softmax is monotonic), so the tags are unchanged.
                var (probability, best) = Network.call(ids, types, mask).to_type(ScalarType.Float32).softmax(-1).max(-1);
                long time = best.shape[1];
                var tags = best.cpu().data<long>().ToArray();
                var probabilities = probability.cpu().data<float>().ToArray();
                for (int b = 0; b < batch.Count; b++)
                {
                    var row = Enumerable.Range((int)(b * time), (int)time).Select(p => new WordPrediction((int)tags[p], probabilities[p])).ToArray();
                    perWindow[batch[b].Sentence][batch[b].Window] = batch[b].Encoding.AtFirstSubTokens(row);
                }
            });
        }

        return sentences.Select((s, i) => s.WordCount == 0 ? Array.Empty<WordPrediction>() : WindowPredictions.Merge(s, perWindow[i])).ToArray();
    }

    public void Dispose()
    {
        Peft.Dispose();
        Network.Dispose();
    }
}
