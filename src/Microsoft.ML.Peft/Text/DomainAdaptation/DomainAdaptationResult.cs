// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.DomainAdaptation;

/// <summary>
/// What <see cref="DomainAdaptivePretraining.Run"/> trained: the adapter tensors of the encoder, keyed relative to the encoder
/// (<c>encoder.layer.0.attention.self.query.lora_A.weight</c>) so a task model over the same encoder can start from them
/// (<see cref="CopyInto"/>), and the head's tensors when the head trained. It owns the tensors (on the CPU); dispose it to free them.
/// </summary>
internal sealed class DomainAdaptationResult : IDisposable
{
    private readonly Dictionary<string, Tensor> _encoderTensors;
    private readonly Dictionary<string, Tensor> _headTensors;
    private readonly Dictionary<string, Tensor> _modelTensors;

    internal DomainAdaptationResult(
        PeftConfig config,
        Dictionary<string, Tensor> encoderTensors,
        Dictionary<string, Tensor> headTensors,
        Dictionary<string, Tensor> modelTensors,
        bool headFromCheckpoint,
        int truncatedTexts,
        TrainingResult training)
    {
        Config = config;
        _encoderTensors = encoderTensors;
        _headTensors = headTensors;
        _modelTensors = modelTensors;
        HeadFromCheckpoint = headFromCheckpoint;
        TruncatedTexts = truncatedTexts;
        Training = training;
    }

    /// <summary>Gets the adapter's configuration as it trained (frozen): method, rank, alpha, targets, and the head under <c>modules_to_save</c> when it trained.</summary>
    internal PeftConfig Config { get; }

    /// <summary>Gets the encoder's adapter tensors by PEFT's saved name relative to the encoder, e.g. <c>encoder.layer.0.attention.self.query.lora_A.weight</c>.</summary>
    internal IReadOnlyDictionary<string, Tensor> EncoderTensors => _encoderTensors;

    /// <summary>Gets the trained head's tensors by name in the masked-language model (<c>cls.predictions.bias</c>, ...); empty when the head was frozen.</summary>
    internal IReadOnlyDictionary<string, Tensor> HeadTensors => _headTensors;

    /// <summary>Gets the adapter's tensors that belong to no module, by saved name: VeRA's and RandLoRA's shared projections (<c>base_model.vera_A</c>); empty for other methods.</summary>
    internal IReadOnlyDictionary<string, Tensor> ModelTensors => _modelTensors;

    /// <summary>Gets a value indicating whether the head came from the checkpoint (and stayed frozen) rather than from a fresh initialisation (and trained).</summary>
    internal bool HeadFromCheckpoint { get; }

    /// <summary>Gets the number of texts cut to the maximum sequence length.</summary>
    internal int TruncatedTexts { get; }

    /// <summary>Gets what the training run did (steps, losses, validation history).</summary>
    internal TrainingResult Training { get; }

    /// <summary>
    /// Copies the encoder's adapter into <paramref name="target"/>'s adapter, whose encoder sits under <paramref name="encoderPrefix"/>;
    /// see <see cref="EncoderAdapterTransfer.CopyInto"/>.
    /// </summary>
    /// <returns>The number of tensors copied.</returns>
    internal int CopyInto(PeftModel target, string encoderPrefix, string? adapterName = null) =>
        EncoderAdapterTransfer.CopyInto(_encoderTensors, Config, target, encoderPrefix, adapterName, _modelTensors);

    public void Dispose()
    {
        foreach (var tensor in _encoderTensors.Values.Concat(_headTensors.Values).Concat(_modelTensors.Values))
        {
            tensor.Dispose();
        }

        _encoderTensors.Clear();
        _headTensors.Clear();
        _modelTensors.Clear();
    }
}
