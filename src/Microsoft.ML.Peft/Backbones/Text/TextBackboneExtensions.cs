// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>The one way text estimators reach the text parts of a <see cref="PretrainedModel"/>.</summary>
internal static class TextBackboneExtensions
{
    /// <summary>The model's text parts, for the estimator <paramref name="estimator"/>.</summary>
    /// <param name="model">The backbone.</param>
    /// <param name="estimator">The estimator (or stage) that needs a text backbone, named in the error.</param>
    /// <exception cref="ArgumentException">The backbone is not a text model; the message names the estimator, the model's source, model type and modality.</exception>
    internal static TextBackbone AsText(this PretrainedModel model, string estimator) =>
        model.Architecture is TextArchitecture text
            ? new TextBackbone(model, text)
            : throw new ArgumentException(
                $"{estimator} needs a text backbone; '{model.Source}' is model_type {model.ModelType} ({model.Modality}).");
}
