// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using Microsoft.ML.Peft.Text.TextClassification;
using Microsoft.ML.Peft.Text.TextEmbedding;

namespace Microsoft.ML.Peft.Text;

/// <summary>The one list of this assembly's stage loaders: one line per task, registered when the assembly loads.</summary>
internal static class TextStages
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "Registering the built-in stages when the assembly loads is what lets a saved pipeline find their loaders without a call from the application; the registration only fills a table.")]
    internal static void Register()
    {
        StageLoaderRegistry.Register(LoraTextClassificationTransformer.Kind, TextClassifierArchive.Load);
        StageLoaderRegistry.Register(LoraNamedEntityRecognitionTransformer.Kind, NamedEntityArchive.Load);
        StageLoaderRegistry.Register(TextEmbeddingTransformer.Kind, TextEmbeddingArchive.Load);
    }
}
