// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Tests.Tasks;

/// <summary>A stage defined outside the library: it passes rows through and saves one number, as a task in another assembly would.</summary>
internal sealed class FakeStage : IPersistablePeftTransformer
{
    internal const string Kind = "test-fake-stage";
    private const string Entry = "fake.json";

    internal FakeStage(int value) => Value = value;

    internal int Value { get; }

    public bool IsRowToRowMapper => false;

    public string StageKind => Kind;

    /// <summary>The loader the test assembly registers for <see cref="Kind"/>.</summary>
    internal static ITransformer Load(StageLoadContext context) =>
        new FakeStage(ArchiveEntries.ReadJson(context.Archive, context.Prefix + Entry, context.Prefix)["value"]!.GetValue<int>());

    public void SaveTo(ZipArchive archive, string prefix) =>
        ArchiveEntries.WriteJson(archive, prefix + Entry, new JsonObject { ["value"] = Value });

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();

    public IDataView Transform(IDataView input) => input;

    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();
}
