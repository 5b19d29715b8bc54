// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>One field of <c>adapter_config.json</c>: how to read it into a configuration and write it back.</summary>
internal sealed class ConfigJsonField
{
    internal ConfigJsonField(string name, Action<PeftConfig, JsonNode?> read, Func<PeftConfig, JsonNode?> write)
    {
        Name = name;
        Read = read;
        Write = write;
    }

    internal string Name { get; }

    /// <summary>Applies the JSON value to the configuration; throws <see cref="FormatException"/> naming the expected type.</summary>
    internal Action<PeftConfig, JsonNode?> Read { get; }

    internal Func<PeftConfig, JsonNode?> Write { get; }

    internal static ConfigJsonField For<TConfig>(string name, Action<TConfig, JsonNode?> read, Func<TConfig, JsonNode?> write)
        where TConfig : PeftConfig =>
        new(name, (config, node) => read((TConfig)config, node), config => write((TConfig)config));
}
