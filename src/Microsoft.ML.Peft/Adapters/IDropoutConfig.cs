// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// A method configuration with the dropout on the adapter's input, which a rank search sets on any such method without knowing it (a method folder
/// declares it on its configuration; the search lives above the methods).
/// </summary>
internal interface IDropoutConfig
{
    /// <summary>Gets or sets the dropout on the adapter's input.</summary>
    double Dropout { get; set; }
}
