// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// A <see cref="PretrainedModel"/> known to be a text model, with its text parts: the <see cref="TextArchitecture"/> (heads,
/// default targets), the encoder as a <see cref="TextEncoder"/> and the tokenizer. Text estimators get one from
/// <see cref="TextBackboneExtensions.AsText"/>, which refuses backbones of other modalities with a message.
/// </summary>
internal sealed class TextBackbone
{
    internal TextBackbone(PretrainedModel model, TextArchitecture architecture)
    {
        Model = model;
        Architecture = architecture;
    }

    /// <summary>The pretrained model, e.g. to record it in a saved pipeline.</summary>
    internal PretrainedModel Model { get; }

    internal TextArchitecture Architecture { get; }

    internal string ModelType => Model.ModelType;

    internal string Source => Model.Source;

    internal int MaxSequenceLength => Model.MaxSequenceLength;

    internal IReadOnlyList<string> UntrainedModules => Model.UntrainedModules;

    /// <summary>Builds a new encoder with the pretrained weights, on the CPU and in evaluation mode.</summary>
    internal TextEncoder CreateEncoder() => (TextEncoder)Model.CreateEncoder();

    /// <summary>The model's tokenizer, truncating to <paramref name="maxLength"/> (default and upper bound: <see cref="MaxSequenceLength"/>).</summary>
    internal TextTokenizer CreateTokenizer(int? maxLength = null) =>
        Architecture.CreateTokenizer(Model.PreprocessorFiles, Math.Min(maxLength ?? MaxSequenceLength, MaxSequenceLength));

    /// <summary>
    /// Loads the masked-language-modeling head of <paramref name="model"/> from the checkpoint when it has one (keys
    /// <c>cls.predictions.*</c> for BERT); returns false, leaving the head as initialised, when the checkpoint has none.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint holds part of the head, or a tensor of another shape.</exception>
    internal bool TryLoadMaskedLanguageModelHead(MaskedLanguageModel model) => Model.TryLoadWeights(model.Head, model.HeadName + ".");

    /// <inheritdoc/>
    public override string ToString() => Model.ToString();
}
