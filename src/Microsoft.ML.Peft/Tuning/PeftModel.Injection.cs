// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Tuning;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Microsoft.ML.Peft;

/// <summary>Adding and removing adapters: target matching, layer creation, modules_to_save and bias bookkeeping.</summary>
public sealed partial class PeftModel
{
    private const int ListedModuleNames = 40;

    /// <summary>
    /// Adds an adapter whose tensors <paramref name="initializeLayer"/> then sets on each of its layers (in model order), for
    /// adapters computed from others such as LoRA's weighted combinations. It stays inactive; if a layer fails, it is removed.
    /// </summary>
    internal void AddAdapter(string adapterName, PeftConfig config, Action<TunerLayer> initializeLayer)
    {
        ThrowIfReleased();
        InjectAdapter(adapterName, config);
        try
        {
            foreach (string path in _targets[adapterName])
            {
                initializeLayer(_layers[path]);
            }
        }
        catch
        {
            RemoveAdapterEverywhere(adapterName);
            throw;
        }

        ApplyTrainability();
    }

    private void InjectAdapter(string adapterName, PeftConfig source)
    {
        if (string.IsNullOrWhiteSpace(adapterName) || adapterName.Contains('.'))
        {
            throw new ArgumentException($"Adapter name '{adapterName}' must be non-empty and contain no '.'.", nameof(adapterName));
        }

        if (_configs.ContainsKey(adapterName))
        {
            throw new ArgumentException($"An adapter named '{adapterName}' already exists; delete it or pick another name.", nameof(adapterName));
        }

        var config = source.Clone();
        config.Validate();
        var method = PeftMethodRegistry.ForConfig(config);
        var existing = _configs.Values.FirstOrDefault();
        if (existing is not null && existing.PeftType != config.PeftType)
        {
            throw new ArgumentException(
                $"Adapters of one model must use one method: '{_adapterOrder[0]}' is {existing.PeftType}, the new one is {config.PeftType}.",
                nameof(source));
        }

        var selector = config.TargetModules ?? throw new ArgumentException(
            $"`{nameof(PeftConfig.TargetModules)}` is not set; name the modules to adapt, e.g. ModuleSelector.FromNames(\"query\", \"value\"), or use ModuleSelector.AllLinear.",
            nameof(source));
        if (selector.Kind == ModuleSelectorKind.AllLinear)
        {
            // PEFT stores the expanded names in the saved configuration; so do we.
            selector = TargetModuleMatcher.ExpandAllLinear(_model, _outputModuleName);
            config.TargetModules = selector;
        }

        var targets = FindTargets(config, selector, method);
        var shared = method.CreateSharedTensors(adapterName, config, targets, _configs.Values);
        var createdLayers = new List<TunerLayer>();
        var touchedLayers = new List<TunerLayer>();
        var touchedSlots = new List<ModulesToSaveSlot>();
        var createdSlots = new List<string>();
        try
        {
            foreach (var (path, module) in targets)
            {
                if (!_layers.TryGetValue(path, out var layer))
                {
                    layer = method.CreateLayer(path, module);
                    layer.Attach();
                    _layers.Add(path, layer);
                    createdLayers.Add(layer);
                }

                method.AddAdapter(layer, adapterName, config, shared);
                touchedLayers.Add(layer);
            }

            foreach (var (path, module) in TargetModuleMatcher.FindModulesToSave(_model, config.ModulesToSave, _aliases))
            {
                if (!_slots.TryGetValue(path, out var slot))
                {
                    slot = new ModulesToSaveSlot(path, module);
                    _slots.Add(path, slot);
                    createdSlots.Add(path);
                }

                slot.AddAdapter(adapterName);
                touchedSlots.Add(slot);
            }
        }
        catch
        {
            foreach (var layer in touchedLayers.Except(createdLayers))
            {
                layer.DeleteAdapter(adapterName);
            }

            foreach (var layer in createdLayers)
            {
                _layers.Remove(layer.ModulePath);
                layer.Dispose();
            }

            foreach (var slot in touchedSlots)
            {
                slot.DeleteAdapter(adapterName);
            }

            foreach (string path in createdSlots)
            {
                _slots.Remove(path, out var slot);
                slot!.Dispose();
            }

            shared?.Dispose();
            throw;
        }

        var targetPaths = targets.Select(t => t.Path).ToArray();
        config.Freeze();
        _configs.Add(adapterName, config);
        _adapterOrder.Add(adapterName);
        _targets.Add(adapterName, targetPaths);
        if (shared is not null)
        {
            _shared.Add(adapterName, shared);
        }

        _biasModules.Add(adapterName, method.TrainableBiasModules(config, _model, targetPaths).ToArray());
    }

    private List<(string Path, nn.Module Module)> FindTargets(PeftConfig config, ModuleSelector selector, PeftMethod method)
    {
        var targets = new List<(string Path, nn.Module Module)>();
        foreach (var (path, module) in _model.named_modules())
        {
            if (path.Length == 0 || !TargetModuleMatcher.IsTarget(config, selector, path, _aliases.ToAlias(path)))
            {
                continue;
            }

            if (!method.CanAdapt(module))
            {
                throw new NotSupportedException(
                    $"{method.PeftType} does not adapt {module.GetType().Name} module '{path}'; supported: {method.SupportedModuleTypes}. Narrow `{nameof(PeftConfig.TargetModules)}` so it matches only such modules.");
            }

            targets.Add((path, module));
        }

        if (targets.Count == 0)
        {
            var adaptable = _model.named_modules().Where(m => m.name.Length > 0 && method.CanAdapt(m.module)).Select(m => m.name).ToList();
            var names = adaptable.Count > 0 ? adaptable : _model.named_modules().Select(m => m.name).Where(n => n.Length > 0).ToList();
            string listed = string.Join(", ", names.Take(ListedModuleNames)) + (names.Count > ListedModuleNames ? $", … ({names.Count} in all)" : string.Empty);
            // PEFT leaves modules inside modules_to_save out of the targets; say so when that is why nothing matched.
            var saved = _model.named_modules()
                .Where(m => m.name.Length > 0 && TargetModuleMatcher.IsInsideModulesToSave(config.ModulesToSave, m.name) && TargetModuleMatcher.IsTargetButForModulesToSave(config, selector, m.name))
                .Select(m => m.name).ToList();
            if (saved.Count > 0)
            {
                throw new ArgumentException(
                    $"`{nameof(PeftConfig.TargetModules)}` {selector} matched only [{string.Join(", ", saved)}], which `{nameof(PeftConfig.ModulesToSave)}` also names; a module in "
                    + $"modules_to_save is trained whole and gets no {method.PeftType} layer, as in PEFT. Remove it from one of the two.",
                    nameof(config));
            }

            throw new ArgumentException(
                $"`{nameof(PeftConfig.TargetModules)}` {selector} matched no module of the model. Modules that {method.PeftType} can adapt: [{listed}].",
                nameof(config));
        }

        return targets;
    }

    private void RemoveAdapterEverywhere(string adapterName)
    {
        foreach (var (path, layer) in _layers.ToList())
        {
            layer.DeleteAdapter(adapterName);
            if (layer.AdapterNames.Count == 0)
            {
                _layers.Remove(path);
                layer.Dispose();
            }
        }

        foreach (var (path, slot) in _slots.ToList())
        {
            slot.DeleteAdapter(adapterName);
            if (slot.AdapterNames.Count == 0)
            {
                _slots.Remove(path);
                slot.Dispose();
            }
        }

        _configs.Remove(adapterName);
        _adapterOrder.Remove(adapterName);
        _targets.Remove(adapterName);
        _biasModules.Remove(adapterName);
        if (_shared.Remove(adapterName, out var shared))
        {
            shared.Dispose();
        }
    }
}
