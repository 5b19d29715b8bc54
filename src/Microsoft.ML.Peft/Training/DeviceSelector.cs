// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Chooses the TorchSharp device for training and inference from <see cref="MLContext.GpuDeviceId"/> and
/// <see cref="MLContext.FallbackToCpu"/>, the one place where that decision is made.
/// </summary>
/// <remarks>
/// Unlike ML.NET's own <c>TorchUtils.InitializeDevice</c>, the requested index is honoured (<c>cuda:1</c> means the
/// second GPU) and a missing GPU is reported with a message that says how to fix it.
/// </remarks>
internal static class DeviceSelector
{
    /// <summary>The channel name under which the fallback warning reaches <see cref="MLContext.Log"/>.</summary>
    internal const string LogName = "Peft.DeviceSelector";

    /// <summary>Selects the device that <paramref name="context"/> asks for.</summary>
    /// <param name="context">The context whose <see cref="MLContext.GpuDeviceId"/> and <see cref="MLContext.FallbackToCpu"/> are read.</param>
    /// <param name="warn">Receives the fallback warning; when null it goes to <see cref="MLContext.Log"/> as a warning.</param>
    /// <param name="cudaDeviceCount">Counts the usable CUDA devices; replaceable so every branch can be tested without a GPU.</param>
    /// <returns><c>cpu</c>, or <c>cuda:N</c> for <c>GpuDeviceId = N</c>.</returns>
    /// <exception cref="InvalidOperationException">A GPU was requested, none (or not that one) is available, and fallback is off.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="MLContext.GpuDeviceId"/> is negative.</exception>
    internal static Device Select(MLContext context, Action<string>? warn = null, Func<int>? cudaDeviceCount = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Select(
            context.GpuDeviceId,
            context.FallbackToCpu,
            cudaDeviceCount ?? CountCudaDevices,
            warn ?? (message => ChannelLog.Warning(context, LogName, message)));
    }

    /// <summary>Selects a device from the two settings; the overload the MLContext one forwards to.</summary>
    internal static Device Select(int? gpuDeviceId, bool fallbackToCpu, Func<int> cudaDeviceCount, Action<string>? warn)
    {
        ArgumentNullException.ThrowIfNull(cudaDeviceCount);
        if (gpuDeviceId is not int id)
        {
            return CPU;
        }

        if (id < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MLContext.GpuDeviceId), id,
                $"`MLContext.{nameof(MLContext.GpuDeviceId)}` must be a CUDA device index (0 for the first GPU) or null for the CPU, got {id}.");
        }

        int count = cudaDeviceCount();
        if (id < count)
        {
            return new Device(DeviceType.CUDA, id);
        }

        string problem = count == 0
            ? $"CUDA was requested through MLContext.{nameof(MLContext.GpuDeviceId)} = {id}, but no CUDA device or TorchSharp CUDA runtime is available"
            : $"CUDA device {id} was requested through MLContext.{nameof(MLContext.GpuDeviceId)} = {id}, but only {count} CUDA device(s) are visible (indices 0 to {count - 1})";
        if (fallbackToCpu)
        {
            warn?.Invoke($"{problem}; training and scoring run on the CPU because MLContext.{nameof(MLContext.FallbackToCpu)} is true.");
            return CPU;
        }

        string fix = count == 0
            ? "Reference the TorchSharp-cuda-linux or TorchSharp-cuda-windows package (instead of TorchSharp-cpu) on a machine with an NVIDIA GPU and driver"
            : $"Set {nameof(MLContext.GpuDeviceId)} to an index below {count}";
        throw new InvalidOperationException(
            $"{problem}. {fix}; or set MLContext.{nameof(MLContext.FallbackToCpu)} = true to use the CPU instead; " +
            $"or leave {nameof(MLContext.GpuDeviceId)} null to train on the CPU.");
    }

    // A CPU-only TorchSharp reports no CUDA; a broken CUDA install can throw while loading, which means "none" too.
    private static int CountCudaDevices()
    {
        try
        {
            return cuda.is_available() ? cuda.device_count() : 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or NotSupportedException or InvalidOperationException or TypeInitializationException)
        {
            return 0;
        }
    }
}
