// Licensed under the MIT license. See LICENSE in the repository root.

using System.Reflection;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// <see cref="SchemaShape"/> of a data schema, as ML.NET's estimator chains compute it before calling <c>GetOutputSchema</c>.
/// ML.NET keeps <c>SchemaShape.Create</c> internal, so the test reaches it by reflection; product code never does.
/// </summary>
internal static class SchemaShapes
{
    private static readonly MethodInfo s_create = typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static, new[] { typeof(DataViewSchema) })
        ?? throw new InvalidOperationException("SchemaShape.Create(DataViewSchema) was not found in this version of ML.NET.");

    internal static SchemaShape Of(DataViewSchema schema) => (SchemaShape)s_create.Invoke(null, new object[] { schema })!;
}
