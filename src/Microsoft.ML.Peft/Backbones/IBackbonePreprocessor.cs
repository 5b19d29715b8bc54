// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// What turns raw inputs into a backbone's tensors (a tokenizer, an image processor). A trained model saves its files so that,
/// loaded again, it preprocesses exactly as it did in training.
/// </summary>
internal interface IBackbonePreprocessor
{
    /// <summary>The files it was built from, by name (e.g. <c>vocab.txt</c>, <c>preprocessor_config.json</c>).</summary>
    IReadOnlyDictionary<string, byte[]> Files { get; }
}
