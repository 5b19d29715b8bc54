// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class TrainingOptimizerTests
{
    [Fact]
    public void ClipGradients_LargeGradients_BoundsTheGlobalNormAndReturnsTheNormBefore()
    {
        using var scope = NewDisposeScope();
        var parameters = Named(("a.weight", new Parameter(ones(3, 4))), ("b.weight", new Parameter(ones(5))));
        using var optimizer = new TrainingOptimizer(parameters, weightDecay: 0);
        (parameters[0].Parameter * 100).sum().add(parameters[1].Parameter.mul(-50).sum()).backward();

        double before = optimizer.ClipGradients(1.0, out _);

        double expected = Math.Sqrt((12 * 100.0 * 100) + (5 * 50.0 * 50));
        Assert.Equal(expected, before, 2);
        Assert.InRange(GlobalNorm(parameters), 0.999, 1.001);
    }

    [Fact]
    public void ClipGradients_SmallGradients_LeavesThemUnchanged()
    {
        using var scope = NewDisposeScope();
        var parameters = Named(("w", new Parameter(ones(4))));
        using var optimizer = new TrainingOptimizer(parameters, weightDecay: 0);
        (parameters[0].Parameter * 0.1).sum().backward();

        optimizer.ClipGradients(1.0, out _);

        Assert.Equal(0.2, GlobalNorm(parameters), 5);
    }

    [Fact]
    public void Step_WeightDecay_AppliesToWeightsButNotBiases()
    {
        using var scope = NewDisposeScope();
        var parameters = Named(("fc.weight", new Parameter(ones(2, 2))), ("fc.bias", new Parameter(ones(2))));
        using var optimizer = new TrainingOptimizer(parameters, weightDecay: 0.5);
        optimizer.SetLearningRate(0.1);
        (parameters[0].Parameter.sum() * 0).add(parameters[1].Parameter.sum() * 0).backward();

        optimizer.Step();

        Assert.Equal(1 - (0.1 * 0.5), parameters[0].Parameter[0, 0].item<float>(), 6);
        Assert.Equal(1.0, parameters[1].Parameter[0].item<float>(), 6);
    }

    [Fact]
    public void StateTensors_LoadedIntoAFreshOptimizer_ContinueIdentically()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var first = Named(("w", new Parameter(randn(3, 3))), ("b", new Parameter(randn(3))));
        var second = Named(("w", new Parameter(first[0].Parameter.detach().clone())), ("b", new Parameter(first[1].Parameter.detach().clone())));
        using var original = new TrainingOptimizer(first, weightDecay: 0.01);
        using var copy = new TrainingOptimizer(second, weightDecay: 0.01);
        for (int i = 0; i < 3; i++)
        {
            Step(original, first, i);
        }

        var saved = original.StateTensors().ToDictionary(p => p.Key, p => p.Value.clone());
        using (no_grad())
        {
            second[0].Parameter.copy_(first[0].Parameter);
            second[1].Parameter.copy_(first[1].Parameter);
        }

        copy.LoadStateTensors(saved, "test");
        Step(original, first, 3);
        Step(copy, second, 3);

        Assert.Equal(3L, saved["w.step"].item<long>());
        Assert.True(ModelState.Identical(first[0].Parameter, second[0].Parameter), "weights differ after resuming the optimizer");
        Assert.True(ModelState.Identical(first[1].Parameter, second[1].Parameter), "biases differ after resuming the optimizer");
    }

    [Fact]
    public void LoadStateTensors_MissingOrMisshapenMoment_NamesIt()
    {
        using var scope = NewDisposeScope();
        using var optimizer = new TrainingOptimizer(Named(("w", new Parameter(ones(2)))), weightDecay: 0);

        var missing = Assert.Throws<InvalidDataException>(() => optimizer.LoadStateTensors(new Dictionary<string, Tensor>(), "here"));
        Assert.Contains("'w.exp_avg'", missing.Message);
        var misshapen = Assert.Throws<InvalidDataException>(() => optimizer.LoadStateTensors(
            new Dictionary<string, Tensor> { ["w.exp_avg"] = zeros(3), ["w.exp_avg_sq"] = zeros(2), ["w.step"] = tensor(1L) }, "here"));
        Assert.Contains("[3]", misshapen.Message);
    }

    private static void Step(TrainingOptimizer optimizer, IReadOnlyList<(string Name, Parameter Parameter)> parameters, int step)
    {
        using var scope = NewDisposeScope();
        optimizer.SetLearningRate(0.05);
        optimizer.ClearGradients();
        (parameters[0].Parameter.sum().pow(2) + parameters[1].Parameter.mul(step + 1).sum()).backward();
        optimizer.Step();
    }

    private static List<(string Name, Parameter Parameter)> Named(params (string Name, Parameter Parameter)[] parameters) => parameters.ToList();

    private static double GlobalNorm(IEnumerable<(string Name, Parameter Parameter)> parameters) =>
        Math.Sqrt(parameters.Sum(p => Math.Pow(p.Parameter.grad!.norm().item<float>(), 2)));
}
