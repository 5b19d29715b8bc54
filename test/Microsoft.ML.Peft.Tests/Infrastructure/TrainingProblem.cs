// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// A tiny 3-class problem for engine tests: a <see cref="TinyMlp"/> with LoRA on its hidden layers and a trained head,
/// learning a random linear teacher. The same seed builds the same model, adapter and data.
/// </summary>
internal sealed class TrainingProblem : IDisposable
{
    internal const int TrainingExamples = 48;
    internal const int ValidationExamples = 32;

    private readonly Tensor _features;
    private readonly Tensor _labels;
    private readonly Tensor _validationFeatures;
    private readonly Tensor _validationLabels;

    private TrainingProblem(int seed)
    {
        manual_seed(seed);
        using var scope = NewDisposeScope();
        Model = new TinyMlp();
        var teacher = randn(10, 3);
        _features = randn(TrainingExamples, 10).DetachFromDisposeScope();
        _labels = _features.matmul(teacher).argmax(1).DetachFromDisposeScope();
        _validationFeatures = randn(ValidationExamples, 10).DetachFromDisposeScope();
        _validationLabels = _validationFeatures.matmul(teacher).argmax(1).DetachFromDisposeScope();
        var random = new Random(seed);
        Lengths = Enumerable.Range(0, TrainingExamples).Select(_ => random.Next(1, 30)).ToArray();
        Peft = PeftModel.Create(Model, new LoraConfig
        {
            Rank = 4,
            Alpha = 8,
            TargetModules = ModuleSelector.FromNames("lin0", "lin1"),
            ModulesToSave = new[] { "head" },
        });
    }

    internal TinyMlp Model { get; }

    internal PeftModel Peft { get; }

    internal int[] Lengths { get; }

    /// <summary>Builds the problem; equal seeds give identical problems.</summary>
    internal static TrainingProblem Create(int seed = 11) => new(seed);

    /// <summary>The job over this problem, with the cross-entropy loss unless another is given.</summary>
    internal TrainingJob Job(ValidationEvaluator? validation = null, Func<int[], Device, Tensor>? loss = null) => new()
    {
        Model = Model,
        TrainableParameters = Peft.NamedTrainableParameters(),
        ExampleLengths = Lengths,
        ComputeLoss = loss ?? Loss,
        Validation = validation,
    };

    /// <summary>Mean cross-entropy of a batch, in the caller's dispose scope.</summary>
    internal Tensor Loss(int[] batch, Device device)
    {
        var index = tensor(batch.Select(i => (long)i).ToArray());
        return nn.functional.cross_entropy(Model.call(_features.index_select(0, index)), _labels.index_select(0, index));
    }

    /// <summary>Validation accuracy (higher is better).</summary>
    internal ValidationEvaluator Accuracy() => new("accuracy", HigherIsBetter: true, () =>
        Model.call(_validationFeatures).argmax(1).eq(_validationLabels).to_type(ScalarType.Float64).mean().item<double>());

    /// <summary>The mean training loss over every example, in eval mode.</summary>
    internal double TrainingLoss()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Model.eval();
        return nn.functional.cross_entropy(Model.call(_features), _labels).item<float>();
    }

    /// <summary>Detached copies of the trainable values, keyed by name; the caller disposes them.</summary>
    internal Dictionary<string, Tensor> TrainableValues()
    {
        using var scope = NewDisposeScope();
        return Peft.NamedTrainableParameters().ToDictionary(p => p.Name, p => p.Parameter.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>Detached copies of the frozen base parameters, keyed by name; the caller disposes them.</summary>
    internal Dictionary<string, Tensor> FrozenValues()
    {
        using var scope = NewDisposeScope();
        return Model.named_parameters().Where(p => !p.parameter.requires_grad)
            .ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());
    }

    public void Dispose()
    {
        Peft.Dispose();
        Model.Dispose();
        _features.Dispose();
        _labels.Dispose();
        _validationFeatures.Dispose();
        _validationLabels.Dispose();
    }
}
