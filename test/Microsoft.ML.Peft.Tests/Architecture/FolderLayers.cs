// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tests.Architecture;

/// <summary>
/// The layer table of the source tree, lowest layer first, as data: a folder may use folders of its own layer or a lower
/// one, so the code reads bottom-up (formats, adapters, tuning, methods, backbones, training, tasks, persistence, catalog,
/// task folders). Patterns ending in <c>/*</c> stand for every direct subfolder. The same table applies to
/// Microsoft.ML.Peft.Vision, whose folders may use core folders of a lower or equal layer.
/// </summary>
internal static class FolderLayers
{
    internal static readonly (string Folder, int Layer, string Holds)[] Table =
    {
        ("Formats", 1, "pure I/O: safetensors, ONNX, JSON readers, PEFT key strings"),
        ("Formats/*", 1, "one folder per file format"),
        ("Extensibility", 1, "loading the known extension assemblies"),
        ("Torch", 1, "workarounds for TorchSharp behaviour (modules built without leaked temporaries)"),
        ("Adapters", 2, "method abstractions: PeftConfig, TunerLayer, ModuleSelector, method registry"),
        ("Tuning", 3, "PeftModel and its partials"),
        ("Methods", 4, "helpers shared by several methods, the built-in method list"),
        ("Methods/*", 4, "one folder per PEFT method"),
        ("Backbones", 5, "PretrainedModel, BackboneArchitecture, BackboneRegistry, checkpoint weights"),
        ("Backbones/*", 5, "Backbones/Text (text modality) and one folder per backbone"),
        ("Training", 6, "the training engine"),
        ("Tasks", 7, "the task-neutral layer every estimator uses"),
        ("Persistence", 8, "PipelineArchive, PeftModelOperationsCatalog"),
        ("Search", 8, "the rank search: space, tuners, experiment, trial runner; tasks register their SearchTask"),
        (SourceTypeFolders.RootFolder, 9, "PeftCatalog, MLContextPeftExtensions"),
        ("Text", 10, "what every text task shares (the stage tokenizer) and the one list of text stage loaders"),
        ("Text/*", 10, "one folder per text task"),
        ("Vision", 10, "what every vision task shares and the one list of vision stage loaders"),
        ("Vision/*", 10, "one folder per vision task"),
    };

    /// <summary>
    /// Groups of sibling folders that must not use each other, and the pairs that may (origin, target; "*" is any origin).
    /// </summary>
    internal static readonly (string Group, string Why)[] SiblingGroups =
    {
        ("Text/*", "task folders are independent of each other"),
        ("Vision/*", "task folders are independent of each other"),
        ("Methods/*", "method folders share code only through the Methods root and Methods/Lycoris"),
        ("Backbones/*", "backbone folders share code only through the Backbones root, Backbones/Text and Backbones/Image"),
    };

    internal static readonly (string Origin, string Target, string Why)[] AllowedSiblingUses =
    {
        ("Text/NamedEntityRecognition", "Text/DomainAdaptation", "NER starts its adapter from domain-adaptive pre-training"),
        // The few-shot classifier and the detector are image classifiers with another recipe (method, head start, loss),
        // so they run on the image classifier's trainer, transformer and saved stage instead of copying them.
        ("Vision/FewShotClassification", "Vision/ImageClassification", "the few-shot classifier is an image classifier with CLIP-SVD's recipe"),
        ("Vision/NormTunedDetection", "Vision/ImageClassification", "the detector is an image classifier with GenD's recipe"),
        ("*", "Methods/Lycoris", "the LyCORIS base shared by LoKr and LoHa"),
        ("*", "Backbones/Text", "the text modality every text backbone builds on"),
        ("*", "Backbones/Image", "the vision modality every vision backbone builds on (Microsoft.ML.Peft.Vision)"),
        // RoBERTa is BERT's encoder with other embeddings: it reuses BertConfig and BertEncoder instead of copying them.
        // DistilBERT has its own blocks and uses nothing of Bert.
        ("Backbones/Roberta", "Backbones/Bert", "RoBERTa reuses BertConfig and BertEncoder"),
    };

    /// <summary>
    /// Uses left out of the cycle check because the layout wants them both ways: a root folder holds the one list of its
    /// built-in members (methods, backbones, stage loaders), while the member folders use the root's shared pieces.
    /// </summary>
    internal static readonly (string Origin, string Target, string Why)[] CycleExemptUses =
    {
        ("Methods", "Methods/*", "the one list of built-in methods registers every method folder"),
        ("Backbones", "Backbones/*", "the one list of built-in backbones registers every backbone folder"),
        ("Text", "Text/*", "the one list of text stages registers every text task's loader"),
        ("Vision", "Vision/*", "the one list of vision stages registers every vision task's loader"),
    };

    internal static bool CycleExempt(string origin, string target) =>
        CycleExemptUses.Any(e => e.Origin == origin && Matches(e.Target, target));

    /// <summary>The layer of <paramref name="folder"/>, or null when no row of the table covers it.</summary>
    internal static int? LayerOf(string folder)
    {
        foreach (var row in Table)
        {
            if (Matches(row.Folder, folder))
            {
                return row.Layer;
            }
        }

        return null;
    }

    /// <summary>The sibling group both folders are direct members of, or null.</summary>
    internal static string? SharedSiblingGroup(string origin, string target) =>
        SiblingGroups.Select(g => g.Group).FirstOrDefault(g => g.EndsWith("/*", StringComparison.Ordinal) && Matches(g, origin) && Matches(g, target));

    internal static bool SiblingUseAllowed(string origin, string target) =>
        AllowedSiblingUses.Any(a => (a.Origin == "*" || a.Origin == origin) && a.Target == target);

    private static bool Matches(string pattern, string folder)
    {
        if (pattern.EndsWith("/*", StringComparison.Ordinal))
        {
            string parent = pattern[..^2];
            return folder.StartsWith(parent + "/", StringComparison.Ordinal) && !folder[(parent.Length + 1)..].Contains('/');
        }

        return pattern == folder;
    }
}
