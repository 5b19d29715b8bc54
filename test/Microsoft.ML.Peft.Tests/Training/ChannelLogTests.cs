// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class ChannelLogTests
{
    [Fact]
    public void InfoAndWarning_FromOutsideMLNet_ReachMLContextLogWithKindAndSource()
    {
        var messages = new List<LoggingEventArgs>();
        var context = new MLContext(seed: 1);
        context.Log += (_, e) => messages.Add(e);

        using (var log = ChannelLog.Start(context, "Peft.Test"))
        {
            log.Info("step {1}: braces are not a format string");
            log.Warning("careful");
            log.Info(string.Empty);
        }

        var info = Assert.Single(messages, m => m.Kind == ChannelMessageKind.Info && m.RawMessage.Contains("braces", StringComparison.Ordinal));
        Assert.Equal("step {1}: braces are not a format string", info.RawMessage);
        Assert.Contains("Peft.Test", info.Source);
        Assert.Single(messages, m => m.Kind == ChannelMessageKind.Warning && m.RawMessage == "careful");
    }
}
