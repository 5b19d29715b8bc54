// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>Reads one PEFT stage back from a pipeline archive.</summary>
/// <param name="context">The archive, the stage's folder and the backbone resolver.</param>
/// <returns>The transformer the stage's <see cref="IPersistablePeftTransformer.SaveTo"/> wrote.</returns>
internal delegate ITransformer StageLoader(StageLoadContext context);
