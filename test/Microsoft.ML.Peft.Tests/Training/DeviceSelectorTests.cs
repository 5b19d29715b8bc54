// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class DeviceSelectorTests
{
    [Fact]
    public void Select_NoGpuRequested_ReturnsCpuWithoutProbingCuda()
    {
        var device = DeviceSelector.Select(new MLContext(seed: 1), cudaDeviceCount: () => throw new InvalidOperationException("probed"));
        Assert.Equal(DeviceType.CPU, device.type);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 4)]
    public void Select_GpuAvailable_HonoursTheRequestedIndex(int id, int count)
    {
        var context = new MLContext(seed: 1) { GpuDeviceId = id, FallbackToCpu = false };
        var device = DeviceSelector.Select(context, warn: message => Assert.Fail(message), cudaDeviceCount: () => count);
        Assert.Equal(DeviceType.CUDA, device.type);
        Assert.Equal(id, device.index);
    }

    [Fact]
    public void Select_NoCudaWithFallback_WarnsAndReturnsCpu()
    {
        var warnings = new List<string>();
        var context = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        var device = DeviceSelector.Select(context, warnings.Add, () => 0);
        Assert.Equal(DeviceType.CPU, device.type);
        var warning = Assert.Single(warnings);
        Assert.Contains("GpuDeviceId = 0", warning);
        Assert.Contains("FallbackToCpu is true", warning);
    }

    [Fact]
    public void Select_NoCudaWithoutFallback_ThrowsSayingHowToFix()
    {
        var context = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var error = Assert.Throws<InvalidOperationException>(() => DeviceSelector.Select(context, cudaDeviceCount: () => 0));
        Assert.Contains("CUDA was requested through MLContext.GpuDeviceId = 0", error.Message);
        Assert.Contains("no CUDA device or TorchSharp CUDA runtime is available", error.Message);
        Assert.Contains("TorchSharp-cuda-linux", error.Message);
        Assert.Contains("TorchSharp-cuda-windows", error.Message);
        Assert.Contains("FallbackToCpu = true", error.Message);
        Assert.Contains("leave GpuDeviceId null", error.Message);
    }

    [Fact]
    public void Select_IndexBeyondVisibleDevices_ThrowsNamingTheCount()
    {
        var context = new MLContext(seed: 1) { GpuDeviceId = 2, FallbackToCpu = false };
        var error = Assert.Throws<InvalidOperationException>(() => DeviceSelector.Select(context, cudaDeviceCount: () => 2));
        Assert.Contains("only 2 CUDA device(s) are visible (indices 0 to 1)", error.Message);
        Assert.Contains("Set GpuDeviceId to an index below 2", error.Message);
    }

    [Fact]
    public void Select_IndexBeyondVisibleDevicesWithFallback_WarnsAndReturnsCpu()
    {
        var warnings = new List<string>();
        var device = DeviceSelector.Select(gpuDeviceId: 5, fallbackToCpu: true, cudaDeviceCount: () => 1, warnings.Add);
        Assert.Equal(DeviceType.CPU, device.type);
        Assert.Contains("only 1 CUDA device(s)", Assert.Single(warnings));
    }

    [Fact]
    public void Select_NegativeIndex_ThrowsNamingGpuDeviceId()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            nameof(MLContext.GpuDeviceId), () => DeviceSelector.Select(gpuDeviceId: -1, fallbackToCpu: true, () => 1, warn: null));
        Assert.Contains("got -1", error.Message);
    }

    [Fact]
    public void Select_FallbackWithoutWarnCallback_WarningReachesMLContextLog()
    {
        var messages = new List<LoggingEventArgs>();
        var context = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        context.Log += (_, e) => messages.Add(e);

        DeviceSelector.Select(context, cudaDeviceCount: () => 0);

        var warning = Assert.Single(messages, m => m.Kind == ChannelMessageKind.Warning);
        Assert.Contains("GpuDeviceId = 0", warning.Message);
        Assert.Contains(DeviceSelector.LogName, warning.Source);
    }

    [Fact]
    public void Select_RealProbeOnCpuOnlyRuntime_FallsBackToCpu()
    {
        // The test project references TorchSharp-cpu, so the real probe finds no CUDA device.
        var warnings = new List<string>();
        var device = DeviceSelector.Select(new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true }, warnings.Add);
        Assert.Equal(DeviceType.CPU, device.type);
        Assert.Single(warnings);
    }
}
