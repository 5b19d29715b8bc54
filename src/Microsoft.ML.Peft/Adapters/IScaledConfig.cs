// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// A method configuration with alpha, whose ratio to the rank scales the update, which a rank search sets on any such method without knowing it (a method folder
/// declares it on its configuration; the search lives above the methods).
/// </summary>
internal interface IScaledConfig
{
    /// <summary>Gets or sets alpha, whose ratio to the rank scales the update.</summary>
    double Alpha { get; set; }
}
