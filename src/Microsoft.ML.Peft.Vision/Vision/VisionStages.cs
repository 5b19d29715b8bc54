// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.ChangeDetection;
using Microsoft.ML.Peft.Vision.ImageClassification;

namespace Microsoft.ML.Peft.Vision;

/// <summary>The one list of this assembly's stage loaders: one line per task, registered when the assembly loads.</summary>
internal static class VisionStages
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "Registering the vision stages when the assembly loads is what lets a saved pipeline find their loaders without a call from the application; the registration only fills a table.")]
    internal static void Register()
    {
        StageLoaderRegistry.Register(ImageClassificationTransformer.Kind, ImageClassifierArchive.Load);
        StageLoaderRegistry.Register(ChangeDetectionTransformer.Kind, ChangeDetectorArchive.Load);
    }
}
