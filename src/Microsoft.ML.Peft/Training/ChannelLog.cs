// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Runtime;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Writes lines to an <see cref="MLContext"/>'s <see cref="MLContext.Log"/> event through an ML.NET channel.
/// </summary>
/// <remarks>
/// MLContext implements the public <see cref="IChannelProvider"/>, and <see cref="IChannel"/>'s Info/Warning methods
/// are public, so a component outside ML.NET's assemblies logs exactly like ML.NET's own trainers: the lines reach
/// <see cref="MLContext.Log"/> with their kind and a source named after the channel.
/// </remarks>
internal sealed class ChannelLog : IDisposable
{
    private readonly IChannel _channel;

    private ChannelLog(IChannel channel) => _channel = channel;

    /// <summary>Opens a channel named <paramref name="name"/> on <paramref name="context"/>; dispose it when the operation ends.</summary>
    internal static ChannelLog Start(MLContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ChannelLog(((IChannelProvider)context).Start(name));
    }

    /// <summary>Sends one warning through a short-lived channel, for a component that has no channel open.</summary>
    internal static void Warning(MLContext context, string name, string message)
    {
        using var log = Start(context, name);
        log.Warning(message);
    }

    /// <summary>Sends an informational line; empty lines are dropped (ML.NET refuses them).</summary>
    internal void Info(string message)
    {
        if (!string.IsNullOrEmpty(message))
        {
            // The no-argument overload never treats the text as a format string, so braces in it are safe.
            _channel.Info(MessageSensitivity.None, message);
        }
    }

    /// <summary>Sends a warning; empty lines are dropped.</summary>
    internal void Warning(string message)
    {
        if (!string.IsNullOrEmpty(message))
        {
            _channel.Warning(MessageSensitivity.None, message);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _channel.Dispose();
}
