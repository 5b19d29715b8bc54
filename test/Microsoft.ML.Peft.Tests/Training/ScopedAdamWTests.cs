// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Training;

/// <summary>The AdamW whose step frees each parameter's temporaries: the same updates as TorchSharp's optim.AdamW, and no tensor left behind.</summary>
public sealed class ScopedAdamWTests
{
    [Fact]
    public void Step_TwoGroupsOverSeveralStepsAndRates_UpdatesAsOptimAdamW_AndSkipsAParameterWithoutGradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var initial = new[] { randn(4, 3), randn(3), randn(2, 2) };
        var ours = initial.Select(t => new Parameter(t.clone())).ToArray();
        var theirs = initial.Select(t => new Parameter(t.clone())).ToArray();
        using var scoped = new ScopedAdamW(new[] { (ours[0], 0.01), (ours[1], 0.0), (ours[2], 0.01) });
        using var reference = optim.AdamW(new[]
        {
            new AdamW.ParamGroup(new[] { theirs[0], theirs[2] }, weight_decay: 0.01),
            new AdamW.ParamGroup(new[] { theirs[1] }, weight_decay: 0),
        });

        for (int step = 0; step < 6; step++)
        {
            double rate = 1e-2 * (1 + step);
            scoped.LearningRate = rate;
            foreach (var group in reference.ParamGroups)
            {
                group.LearningRate = rate;
            }

            // The third parameter gets no gradient at step 2: neither optimizer may move it or count the step.
            foreach (var parameters in new[] { ours, theirs })
            {
                foreach (var p in parameters)
                {
                    p.grad = null;
                }

                manual_seed(100 + step);
                var loss = parameters[0].pow(3).sum() + parameters[1].sin().sum() + (step == 2 ? zeros(1) : parameters[2].exp().sum());
                loss.backward();
            }

            long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            scoped.Step();
            Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            reference.step();

            for (int i = 0; i < ours.Length; i++)
            {
                Assert.True(ours[i].allclose(theirs[i], rtol: 0, atol: 1e-7), $"parameter {i} after step {step + 1}: max |difference| {(ours[i] - theirs[i]).abs().max().item<float>()}");
            }
        }

        Assert.Equal(new long[] { 6, 6, 5 }, scoped.States.Select(s => s.Step));
    }
}
