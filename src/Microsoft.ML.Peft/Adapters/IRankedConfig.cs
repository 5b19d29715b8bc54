// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// A method configuration with the rank r of the low-rank factors (or of the random bases), which a rank search sets on any such method without knowing it (a method folder
/// declares it on its configuration; the search lives above the methods).
/// </summary>
internal interface IRankedConfig
{
    /// <summary>Gets or sets the rank r of the low-rank factors (or of the random bases).</summary>
    int Rank { get; set; }
}
