// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>Completes the user's PEFT method for a task and a backbone, the same way for every task.</summary>
internal static class MethodCompletion
{
    /// <summary>
    /// A copy of <paramref name="method"/> (or <paramref name="defaultMethod"/>) completed by its method for the architecture,
    /// with <paramref name="defaultTargets"/> when no targets are set, <paramref name="headModules"/> added to
    /// <c>modules_to_save</c> (but for a head the method's target names include, which the method adapts), <paramref name="taskType"/> as <c>task_type</c> and the backbone as <c>base_model_name_or_path</c>,
    /// each only where the user left it unset. The user's object is not changed.
    /// </summary>
    /// <param name="method">The user's method, or null.</param>
    /// <param name="backbone">The backbone being adapted.</param>
    /// <param name="defaultMethod">The task's method when the user gave none.</param>
    /// <param name="defaultTargets">The task's target modules for this architecture.</param>
    /// <param name="headModules">Modules trained in full and saved with the adapter (the task's head); null leaves <c>modules_to_save</c> as given.</param>
    /// <param name="taskType">PEFT's task type (<c>SEQ_CLS</c>, <c>TOKEN_CLS</c>), or null for none.</param>
    internal static PeftConfig Complete(
        PeftConfig? method,
        PretrainedModel backbone,
        Func<PeftConfig> defaultMethod,
        IEnumerable<string> defaultTargets,
        IEnumerable<string>? headModules,
        string? taskType)
    {
        var config = method?.Clone() ?? defaultMethod();
        Adapters.PeftMethodRegistry.ForConfig(config).CompleteForModelType(config, backbone.ModelType);
        config.TargetModules ??= ModuleSelector.FromNames(defaultTargets.ToArray());
        if (headModules is not null)
        {
            // A head the method itself targets by name is adapted by the method, not saved whole: LoRA on the head alone
            // is a linear probe, and PEFT's matcher skips modules in modules_to_save, so both cannot apply.
            var saved = headModules.Where(head => !(config.TargetModules.Kind == ModuleSelectorKind.Names && config.TargetModules.Names.Contains(head, StringComparer.Ordinal)));
            config.ModulesToSave = (config.ModulesToSave ?? Array.Empty<string>()).Union(saved).ToList();
        }

        if (taskType is not null)
        {
            config.TaskType ??= taskType;
        }

        config.BaseModelNameOrPath ??= backbone.Source;
        return config;
    }
}
