// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// What a trained change detector runs on: the adapted model, the network, the image processor, the device and the threshold.
/// Scoring is serialised by a lock, because one network serves every cursor and prediction engine of the transformer.
/// </summary>
internal sealed class ChangeDetectorScorer : IDisposable
{
    private readonly object _gate = new();

    internal ChangeDetectorScorer(PeftModel peft, ChangeDetectionNetwork network, ImageProcessor processor, Device device, double threshold)
    {
        Peft = peft;
        Network = network;
        Processor = processor;
        Device = device;
        Threshold = threshold;
    }

    internal PeftModel Peft { get; }

    internal ChangeDetectionNetwork Network { get; }

    internal ImageProcessor Processor { get; }

    internal Device Device { get; }

    internal double Threshold { get; }

    /// <summary>The pixel values of same-size <paramref name="images"/> at their own size, <c>[N, 3, H, W]</c>, on the CPU.</summary>
    internal Tensor Prepare(IReadOnlyList<RgbImage> images) => Processor.ProcessAtNativeSize(images);

    /// <summary>The change logits <c>[N, H, W]</c> of same-size pairs, with the network in whatever mode it is in.</summary>
    internal Tensor Logits(IReadOnlyList<ImagePair> pairs)
    {
        using var scope = NewDisposeScope();
        var before = Prepare(pairs.Select(p => p.Before).ToList()).to(Device);
        var after = Prepare(pairs.Select(p => p.After).ToList()).to(Device);
        return Network.call(before, after).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>The change map of each pair, in input order, scored in batches of <paramref name="batchSize"/>.</summary>
    internal ChangeMap[] Score(IReadOnlyList<ImagePair> pairs, int batchSize)
    {
        var result = new ChangeMap[pairs.Count];
        lock (_gate)
        {
            Network.eval();
            using var noGrad = no_grad();

            // Pairs of one detector share its tile size, so every batch costs the same; the batcher only cuts the input.
            BatchInference.ForEachBatch(new int[pairs.Count], batchSize, batch =>
            {
                using var scope = NewDisposeScope();
                var probabilities = Logits(batch.Select(i => pairs[i]).ToList()).sigmoid().to(ScalarType.Float32).cpu().data<float>().ToArray();
                int pixels = probabilities.Length / batch.Length;
                for (int b = 0; b < batch.Length; b++)
                {
                    var map = probabilities.AsSpan(b * pixels, pixels).ToArray();
                    result[batch[b]] = new ChangeMap(map, Array.ConvertAll(map, p => p > Threshold));
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
