// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Persistence;

namespace Microsoft.ML.Peft;

/// <summary>
/// Saves and loads whole pipelines that mix ML.NET transformers and PEFT transformers, reached with <c>mlContext.Peft().Model</c>.
/// ML.NET's own <c>mlContext.Model.Save</c> cannot write transformers from outside ML.NET (its writer API is internal); this
/// catalog saves the ML.NET parts through ML.NET and the PEFT parts as Hugging Face PEFT adapters, in one zip.
/// </summary>
/// <remarks>
/// The pretrained encoder's weights are not stored, only where they came from and a fingerprint of them. A model trained on a
/// <see cref="PretrainedModel.FromDirectory"/> backbone reopens that folder when loaded; otherwise pass the backbone to
/// <see cref="Load(string, out DataViewSchema, PretrainedModel[])"/>.
/// </remarks>
public sealed class PeftModelOperationsCatalog
{
    private readonly MLContext _context;

    internal PeftModelOperationsCatalog(MLContext context) => _context = context;

    /// <summary>Saves <paramref name="model"/> and the schema of the data it was fitted on to <paramref name="filePath"/>.</summary>
    /// <param name="model">A transformer or a chain of transformers (ML.NET's and this package's, nested chains allowed).</param>
    /// <param name="inputSchema">The schema of the data the model expects, e.g. <c>trainData.Schema</c>.</param>
    /// <param name="filePath">The zip to write. It is written to a temporary file and then renamed, so an existing file is replaced only by a complete one.</param>
    /// <exception cref="NotSupportedException">A transformer in the pipeline can be saved by neither ML.NET nor this package.</exception>
    public void Save(ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        PipelineArchive.Save(_context, model, inputSchema, filePath);
    }

    /// <summary>Loads a pipeline saved by <see cref="Save"/>.</summary>
    /// <param name="filePath">The zip.</param>
    /// <param name="inputSchema">The schema of the data the model expects.</param>
    /// <param name="backbones">Pretrained models to use for PEFT stages whose backbone cannot be reopened from a folder; each is matched by its weights' fingerprint.</param>
    /// <returns>The pipeline, as a <c>TransformerChain&lt;ITransformer&gt;</c>.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a pipeline saved by this package, or is damaged.</exception>
    /// <exception cref="InvalidOperationException">A backbone is needed that was neither found nor given.</exception>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema, params PretrainedModel[] backbones)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        ArgumentNullException.ThrowIfNull(backbones);
        return PipelineArchive.Load(_context, filePath, backbones, out inputSchema);
    }
}
