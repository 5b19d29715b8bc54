// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TrainingOptimizer = Microsoft.ML.Peft.Training.TrainingOptimizer;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// One optimisation step as the training engine runs it: drop the gradients, forward, cross-entropy, backward, and the
/// engine's AdamW step (<c>TrainingOptimizer</c>, weight decay 0.01 off biases and norms), all inside one dispose scope.
/// The time includes freeing the step's tensors when the scope closes.
/// </summary>
internal sealed class TrainingStep : IDisposable
{
    private readonly SequenceClassifierModel _network;
    private readonly TrainingOptimizer _optimizer;

    internal TrainingStep(SequenceClassifierModel network, IReadOnlyList<(string Name, Parameter Parameter)> trainable, double learningRate)
    {
        _network = network;
        _optimizer = new TrainingOptimizer(trainable, weightDecay: 0.01);
        _optimizer.SetLearningRate(learningRate);
    }

    /// <summary>The loss of the last step (a sanity check that training runs and stays finite).</summary>
    internal double LastLoss { get; private set; }

    /// <summary>Runs one step and returns its wall-clock time in seconds.</summary>
    internal double Run(BatchTensors batch)
    {
        var stopwatch = Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            _optimizer.ClearGradients();
            var logits = _network.call(batch.Ids, batch.Types, batch.Mask);
            var loss = nn.functional.cross_entropy(logits, batch.Labels);
            loss.backward();
            _optimizer.Step();
            LastLoss = loss.item<float>();
        }

        return stopwatch.Elapsed.TotalSeconds;
    }

    public void Dispose() => _optimizer.Dispose();
}
