// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft;

namespace Microsoft.ML;

/// <summary>Adds <c>mlContext.Peft()</c>, as ML.NET's extension packages add their catalogs.</summary>
public static class MLContextPeftExtensions
{
    /// <summary>The catalog of parameter-efficient fine-tuning estimators and of pipeline persistence.</summary>
    /// <param name="mlContext">The ML.NET context; its <c>Seed</c>, <c>GpuDeviceId</c>, <c>FallbackToCpu</c> and log are used.</param>
    public static PeftCatalog Peft(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new PeftCatalog(mlContext);
    }
}
