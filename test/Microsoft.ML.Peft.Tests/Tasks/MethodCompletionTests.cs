// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Tasks;

/// <summary>The one way a task completes the user's method: only what the user left unset is filled in, on a copy.</summary>
public sealed class MethodCompletionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("peft-method-").FullName;
    private readonly PretrainedModel _backbone;

    public MethodCompletionTests() => _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Complete_NoMethod_UsesTheTaskDefaultsTargetsHeadAndTaskType()
    {
        var config = (LoraConfig)MethodCompletion.Complete(null, _backbone, () => new LoraConfig { Rank = 4, Alpha = 8 }, new[] { "query" }, new[] { "classifier" }, "SEQ_CLS");

        Assert.Equal(4, config.Rank);
        Assert.Equal(new[] { "classifier" }, config.ModulesToSave);
        Assert.Equal("SEQ_CLS", config.TaskType);
        Assert.Equal(_backbone.Source, config.BaseModelNameOrPath);
        Assert.NotNull(config.TargetModules);
    }

    [Fact]
    public void Complete_UserMethod_KeepsWhatTheUserSet_AddsTheHead_AndLeavesTheUsersObjectAlone()
    {
        var user = new LoraConfig { Rank = 2, Alpha = 2, ModulesToSave = new[] { "pooler" }, TaskType = "CUSTOM" };

        var config = MethodCompletion.Complete(user, _backbone, () => throw new InvalidOperationException("not asked"), new[] { "query" }, new[] { "classifier" }, "SEQ_CLS");

        Assert.NotSame(user, config);
        Assert.Equal(new[] { "pooler", "classifier" }, config.ModulesToSave);
        Assert.Equal("CUSTOM", config.TaskType);
        Assert.Equal(new[] { "pooler" }, user.ModulesToSave);
        Assert.Null(user.BaseModelNameOrPath);
    }

    [Fact]
    public void Complete_NoHead_LeavesModulesToSaveUnset()
    {
        var config = MethodCompletion.Complete(null, _backbone, () => new LoraConfig(), new[] { "query" }, headModules: null, taskType: null);

        Assert.Null(config.ModulesToSave);
        Assert.Null(config.TaskType);
    }

    [Fact]
    public void Complete_MethodTargetingTheHeadByName_AdaptsItInsteadOfSavingItWhole()
    {
        var user = new LoraConfig { Rank = 2, TargetModules = ModuleSelector.FromNames("classifier") };

        var config = MethodCompletion.Complete(user, _backbone, () => throw new InvalidOperationException("not asked"), new[] { "query" }, new[] { "classifier", "pooler" }, "SEQ_CLS");

        Assert.Equal(new[] { "pooler" }, config.ModulesToSave);
        Assert.Equal(new[] { "classifier" }, config.TargetModules!.Names);
    }
}
