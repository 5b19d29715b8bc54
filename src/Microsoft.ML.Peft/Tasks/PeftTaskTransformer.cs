// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>
/// What every fitted PEFT task has in common: a pretrained backbone with a trained adapter and head that scores rows lazily
/// in batches (<see cref="Transform"/>) or one at a time (<see cref="GetRowToRowMapper"/>, used by <c>PredictionEngine</c>),
/// exports its adapter in Hugging Face PEFT's format (<see cref="SaveAdapter"/>) and owns native memory (dispose it).
/// </summary>
/// <remarks>
/// Save a pipeline that contains one with <c>mlContext.Peft().Model.Save</c> and load it with <c>mlContext.Peft().Model.Load</c>:
/// ML.NET's own <c>mlContext.Model.Save</c> cannot write transformers defined outside ML.NET, because its writer API is internal.
/// </remarks>
public abstract class PeftTaskTransformer : ITransformer, IPersistablePeftTransformer, IDisposable
{
    private bool _disposed;

    // Only this library's tasks derive from it: the members they implement are internal.
    internal PeftTaskTransformer(BackboneReference backbone, int predictionBatchSize)
    {
        Backbone = backbone;
        PredictionBatchSize = predictionBatchSize;
    }

    /// <summary>Always true: each row is scored on its own, so <c>PredictionEngine</c> works.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The backbone the adapter belongs to, as recorded in a saved pipeline.</summary>
    internal BackboneReference Backbone { get; }

    /// <summary>How many rows <see cref="Transform"/> scores at once.</summary>
    internal int PredictionBatchSize { get; }

    /// <summary>The stage kind recorded in a saved pipeline's manifest.</summary>
    internal abstract string StageKind { get; }

    /// <summary>The adapted model, whose adapter <see cref="SaveAdapter"/> writes.</summary>
    internal abstract PeftModel AdapterModel { get; }

    /// <summary>The input schema plus the columns this transformer adds.</summary>
    /// <param name="inputSchema">The schema of the data to transform.</param>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of the wrong type; the message names it.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return OutputSchema(inputSchema);
    }

    /// <summary>A mapper that scores one row at a time (used by <c>PredictionEngine</c>).</summary>
    /// <param name="inputSchema">The schema of the rows to map.</param>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of the wrong type; the message names it.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return CreateRowMapper(inputSchema);
    }

    /// <summary>Returns a lazy view that scores rows in batches as a cursor reads it; nothing is computed here.</summary>
    /// <param name="input">The data to score.</param>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of the wrong type; the message names it.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        return CreateScoringView(input);
    }

    /// <summary>
    /// Writes the adapter and head in Hugging Face PEFT's format (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>)
    /// with the key names of the backbone's Python model for the task, so <c>PeftModel.from_pretrained</c> loads it; the head is
    /// under <c>modules_to_save</c>.
    /// </summary>
    /// <param name="directory">The output folder; created when missing. Files are written atomically.</param>
    public void SaveAdapter(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ThrowIfDisposed();
        AdapterModel.SaveAdapter(directory);
    }

    /// <summary>Not supported: ML.NET's model writer is internal to ML.NET. Use <c>mlContext.Peft().Model.Save</c>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            $"{GetType().Name} cannot be written by mlContext.Model.Save, whose writer API is internal to ML.NET. "
            + "Save the pipeline with mlContext.Peft().Model.Save(model, schema, path) and load it with mlContext.Peft().Model.Load(path, out schema).");

    string IPersistablePeftTransformer.StageKind => StageKind;

    void IPersistablePeftTransformer.SaveTo(ZipArchive archive, string prefix)
    {
        ThrowIfDisposed();
        SaveStage(archive, prefix);
    }

    /// <summary>Frees the network's native memory at once rather than at garbage collection.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            DisposeNetwork();
            GC.SuppressFinalize(this);
        }
    }

    internal abstract DataViewSchema OutputSchema(DataViewSchema inputSchema);

    internal abstract IRowToRowMapper CreateRowMapper(DataViewSchema inputSchema);

    internal abstract IDataView CreateScoringView(IDataView input);

    /// <summary>Writes the stage's entries under <paramref name="prefix"/> (ending in '/').</summary>
    internal abstract void SaveStage(ZipArchive archive, string prefix);

    internal abstract void DisposeNetwork();

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
