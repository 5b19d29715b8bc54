// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// What a trained image classifier runs on: the adapted model, the classifier network, the image processor and the device.
/// Scoring is serialised by a lock, because one network serves every cursor and prediction engine of the transformer.
/// </summary>
internal sealed class ImageClassifierNetwork : IDisposable
{
    private readonly object _gate = new();

    internal ImageClassifierNetwork(PeftModel peft, ImageClassifierModel network, ImageProcessor processor, Device device)
    {
        Peft = peft;
        Network = network;
        Processor = processor;
        Device = device;
    }

    internal PeftModel Peft { get; }

    internal ImageClassifierModel Network { get; }

    internal ImageProcessor Processor { get; }

    internal Device Device { get; }

    internal int ClassCount => Network.ClassCount;

    /// <summary>The pixel values of <paramref name="images"/> on the device.</summary>
    internal Tensor Prepare(IReadOnlyList<RgbImage> images)
    {
        using var pixels = Processor.Process(images);
        return pixels.to(Device);
    }

    /// <summary>
    /// The logits and class probabilities of each image, in input order, scored in batches of <paramref name="batchSize"/>,
    /// with what the head read when <paramref name="withFeatures"/>.
    /// </summary>
    internal ClassScores[] Score(IReadOnlyList<RgbImage> images, int batchSize, bool withFeatures = false)
    {
        var result = new ClassScores[images.Count];
        lock (_gate)
        {
            Network.eval();
            using var noGrad = no_grad();
            using var classes = Network.FixClasses(Device);
            // Images are prepared to one size, so every batch costs the same; the batcher only cuts the input.
            BatchInference.ForEachBatch(new int[images.Count], batchSize, batch =>
            {
                using var scope = NewDisposeScope();
                var pixels = Prepare(batch.Select(i => images[i]).ToList());
                var embeddings = Network.Embed(pixels);
                var output = Network.Logits(embeddings);
                var logits = output.to(ScalarType.Float32).cpu().data<float>().ToArray();
                var probabilities = nn.functional.softmax(output, 1).to(ScalarType.Float32).cpu().data<float>().ToArray();
                int width = (int)embeddings.shape[1];
                var features = withFeatures ? embeddings.to(ScalarType.Float32).cpu().data<float>().ToArray() : null;
                for (int b = 0; b < batch.Length; b++)
                {
                    var scores = ClassScores.Row(logits, probabilities, b, ClassCount);
                    result[batch[b]] = features is null ? scores : scores with { Features = features.AsSpan(b * width, width).ToArray() };
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
