// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// The normalisation of Hugging Face's CLIP tokenizer (<c>tokenizer.json</c> of openai/clip-vit-base-patch32): Unicode NFC,
/// every run of whitespace replaced by one space, then lower-casing.
/// </summary>
internal sealed partial class ClipNormalizer : Normalizer
{
    /// <summary>The one instance; the normaliser has no state.</summary>
    internal static readonly ClipNormalizer Instance = new();

    private ClipNormalizer()
    {
    }

    /// <inheritdoc/>
    public override string Normalize(string original) =>
        Whitespace().Replace(original.Normalize(NormalizationForm.FormC), " ").ToLowerInvariant();

    /// <inheritdoc/>
    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}
