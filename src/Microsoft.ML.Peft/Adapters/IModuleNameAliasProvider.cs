// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// A module whose sub-modules have second names (<see cref="ModuleNameAliases"/>, relative to the module itself), such as a
/// backbone whose Python library renamed its modules in memory but not in its checkpoints. <see cref="PeftModel"/> finds
/// such modules anywhere in the model it wraps, so an adapter that names them either way loads, whatever head wraps them.
/// </summary>
internal interface IModuleNameAliasProvider
{
    /// <summary>Gets the rules, with names relative to this module.</summary>
    ModuleNameAliases ModuleNameAliases { get; }
}
