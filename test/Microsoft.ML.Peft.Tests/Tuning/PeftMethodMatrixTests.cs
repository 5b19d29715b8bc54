// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Tuning;

/// <summary>Behaviour every PEFT method must have, on every tiny model (PEFT's test_custom_models, as one matrix).</summary>
public sealed class PeftMethodMatrixTests : IDisposable
{
    private const int Seed = 1234;
    private const int TrainingSteps = 4;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-matrix-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(PeftMethodCases.All), MemberType = typeof(PeftMethodCases))]
    public void Adapter_AtInit_IsNoOpWhenTheMethodSaysSo(PeftMethodCase testCase)
    {
        using var scope = NewDisposeScope();
        using var fixture = Build(testCase);
        var difference = ModelState.MaxAbsDifference(fixture.OutputBeforeAdapter, Eval(fixture));
        if (testCase.IsNoOpAtInit)
        {
            Assert.True(difference <= testCase.Tolerance, $"the adapter changed the output at init by {difference:G4}");
        }
        else
        {
            Assert.True(difference > testCase.Tolerance, "a random initialization should change the output");
        }
    }

    [Theory]
    [MemberData(nameof(PeftMethodCases.All), MemberType = typeof(PeftMethodCases))]
    public void Training_FewSteps_ChangesOnlyTrainableParameters(PeftMethodCase testCase)
    {
        using var scope = NewDisposeScope();
        using var fixture = Build(testCase);
        var trainable = fixture.Peft.NamedTrainableParameters();
        Assert.NotEmpty(trainable);
        var trainableBefore = trainable.Select(p => p.Parameter.detach().clone()).ToList();
        var frozenBefore = fixture.Model.named_parameters()
            .Where(p => !p.parameter.requires_grad)
            .Select(p => (p.name, p.parameter, Value: p.parameter.detach().clone()))
            .ToList();

        Train(fixture, testCase.LearningRate);

        foreach (var (name, parameter, value) in frozenBefore)
        {
            Assert.True(parameter.eq(value).all().item<bool>(), $"frozen parameter '{name}' changed");
        }

        for (int i = 0; i < trainable.Count; i++)
        {
            Assert.False(trainable[i].Parameter.eq(trainableBefore[i]).all().item<bool>(), $"trainable parameter '{trainable[i].Name}' did not change");
        }
    }

    [Theory]
    [MemberData(nameof(PeftMethodCases.All), MemberType = typeof(PeftMethodCases))]
    public void Merge_ThenUnmerge_MatchesUnmergedOutputAndRestoresBaseWeights(PeftMethodCase testCase)
    {
        using var scope = NewDisposeScope();
        using var fixture = Build(testCase);
        Train(fixture, testCase.LearningRate);
        var unmerged = Eval(fixture);
        var weightsBefore = ModelState.Snapshot(fixture.Model);
        if (!testCase.Merges)
        {
            var error = Assert.Throws<NotSupportedException>(() => fixture.Peft.MergeAdapter(safeMerge: true));
            Assert.Contains("cannot be merged", error.Message, StringComparison.Ordinal);
            Assert.False(fixture.Peft.IsMerged);
            ModelState.AssertClose(unmerged, Eval(fixture), 0, "output after a refused merge");
            ModelState.Dispose(weightsBefore);
            return;
        }


        fixture.Peft.MergeAdapter(safeMerge: true);
        Assert.True(fixture.Peft.IsMerged);
        ModelState.AssertClose(unmerged, Eval(fixture), 1e-4, "merged output");

        fixture.Peft.UnmergeAdapter();
        Assert.False(fixture.Peft.IsMerged);
        ModelState.AssertClose(unmerged, Eval(fixture), 1e-4, "unmerged output");
        var weightsAfter = fixture.Model.state_dict();
        foreach (var (name, value) in weightsBefore)
        {
            ModelState.AssertClose(value, weightsAfter[name], 1e-5, $"base weight '{name}' after merge and unmerge");
        }

        ModelState.Dispose(weightsBefore);
    }

    [Theory]
    [MemberData(nameof(PeftMethodCases.All), MemberType = typeof(PeftMethodCases))]
    public void SaveAdapter_LoadOnFreshBase_GivesSameOutput(PeftMethodCase testCase)
    {
        using var scope = NewDisposeScope();
        using var fixture = Build(testCase);
        Train(fixture, testCase.LearningRate);
        var expected = Eval(fixture);
        fixture.Peft.SaveAdapter(_directory);

        using var model = testCase.CreateModel();
        ModelState.Restore(model, fixture.OriginalState);
        manual_seed(Seed);
        using var loaded = PeftModel.FromPretrained(model, _directory);
        model.eval();
        ModelState.AssertClose(expected, model.call(fixture.Input), testCase.Tolerance * 10, "output after reload");
        Assert.Empty(loaded.GetTrainableParameters());
    }

    [Theory]
    [MemberData(nameof(PeftMethodCases.All), MemberType = typeof(PeftMethodCases))]
    public void DisableAdapter_AfterTraining_GivesBaseOutput(PeftMethodCase testCase)
    {
        using var scope = NewDisposeScope();
        using var fixture = Build(testCase);
        Train(fixture, testCase.LearningRate);
        using var baseModel = testCase.CreateModel();
        ModelState.Restore(baseModel, fixture.StateAfterCreate);
        if (testCase.TrainsBaseBiases)
        {
            // PEFT's bias="all"/"lora_only" trains the base biases in place; disabling the adapter keeps them.
            var trained = ModelState.Snapshot(fixture.Model).Where(p => p.Key.EndsWith("bias", StringComparison.Ordinal)).ToDictionary();
            ModelState.Restore(baseModel, trained);
            ModelState.Dispose(trained);
        }

        baseModel.eval();
        var expected = baseModel.call(fixture.Input);

        using (fixture.Peft.DisableAdapter())
        {
            ModelState.AssertClose(expected, Eval(fixture), 1e-6, "output with the adapter disabled");
        }

        Assert.True(ModelState.MaxAbsDifference(expected, Eval(fixture)) > 1e-6, "re-enabled adapter has no effect");
    }

    [Theory]
    [MemberData(nameof(PeftMethodCases.All), MemberType = typeof(PeftMethodCases))]
    public void TrainingStep_InDisposeScope_LeaksNoTensor(PeftMethodCase testCase)
    {
        using var fixture = Build(testCase);
        using var optimizer = optim.AdamW(fixture.Peft.GetTrainableParameters(), lr: testCase.LearningRate);
        Step(fixture, optimizer);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Step(fixture, optimizer);
        using (var scope = NewDisposeScope())
        {
            fixture.Model.eval();
            Assert.True(fixture.Model.call(fixture.Input).isfinite().all().item<bool>(), "output is not finite");
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static MatrixFixture Build(PeftMethodCase testCase)
    {
        manual_seed(Seed);
        var model = testCase.CreateModel();
        var input = testCase.CreateInput().DetachFromDisposeScope();
        var original = ModelState.Snapshot(model);
        model.eval();
        Tensor before;
        using (var scope = NewDisposeScope())
        {
            before = model.call(input).detach().MoveToOuterDisposeScope();
        }

        manual_seed(Seed);
        var peft = PeftModel.Create(model, testCase.CreateConfig());
        return new MatrixFixture(model, peft, input, before, original, ModelState.Snapshot(model));
    }

    private static Tensor Eval(MatrixFixture fixture)
    {
        fixture.Model.eval();
        using var noGrad = no_grad();
        return fixture.Model.call(fixture.Input);
    }

    private static void Train(MatrixFixture fixture, double learningRate)
    {
        using var optimizer = optim.AdamW(fixture.Peft.GetTrainableParameters(), lr: learningRate);
        for (int step = 0; step < TrainingSteps; step++)
        {
            Step(fixture, optimizer);
        }
    }

    private static void Step(MatrixFixture fixture, optim.Optimizer optimizer)
    {
        using var scope = NewDisposeScope();
        fixture.Model.train();
        optimizer.zero_grad();
        var output = fixture.Model.call(fixture.Input);
        var loss = (output - 1).pow(2).mean();
        loss.backward();
        optimizer.step();
    }

    private sealed record MatrixFixture(
        nn.Module<Tensor, Tensor> Model,
        PeftModel Peft,
        Tensor Input,
        Tensor OutputBeforeAdapter,
        Dictionary<string, Tensor> OriginalState,
        Dictionary<string, Tensor> StateAfterCreate) : IDisposable
    {
        public void Dispose()
        {
            Peft.Dispose();
            Model.Dispose();
            Input.Dispose();
            ModelState.Dispose(OriginalState);
            ModelState.Dispose(StateAfterCreate);
        }
    }
}
