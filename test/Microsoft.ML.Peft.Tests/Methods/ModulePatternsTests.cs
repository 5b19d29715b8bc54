// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods;

namespace Microsoft.ML.Peft.Tests.Methods;

/// <summary>PEFT's get_pattern_key for rank_pattern and alpha_pattern, on BERT module names.</summary>
public sealed class ModulePatternsTests
{
    private const string Query0 = "bert.encoder.layer.0.attention.self.query";
    private const string Value0 = "bert.encoder.layer.0.attention.self.value";
    private const string Query3 = "bert.encoder.layer.3.attention.self.query";

    [Fact]
    public void ValueFor_FirstMatchingPatternWinsAtDotBoundary()
    {
        var queryFirst = new Dictionary<string, int> { ["query"] = 4, ["layer\\.0\\..*query"] = 16 };
        var layerFirst = new Dictionary<string, int> { ["layer\\.0\\..*query"] = 16, ["query"] = 4 };

        Assert.Equal(4, ModulePatterns.ValueFor(queryFirst, Query0));
        Assert.Equal(16, ModulePatterns.ValueFor(layerFirst, Query0));
        Assert.Equal(4, ModulePatterns.ValueFor(layerFirst, Query3));
        Assert.Equal(4, ModulePatterns.ValueFor(queryFirst, "a.b.query"));
        Assert.Equal(4, ModulePatterns.ValueFor(queryFirst, "query"));
        Assert.Null(ModulePatterns.ValueFor(queryFirst, "a.b.xquery"));
        Assert.Null(ModulePatterns.ValueFor(queryFirst, "a.query.b"));
        Assert.Null(ModulePatterns.ValueFor(layerFirst, "bert.encoder.layer.10.attention.self.key"));
    }

    [Fact]
    public void ValueFor_AlternationIsGrouped()
    {
        var patterns = new Dictionary<string, double> { ["query|value"] = 2.5 };
        Assert.Equal(2.5, ModulePatterns.ValueFor(patterns, Value0));
        Assert.Equal(2.5, ModulePatterns.ValueFor(patterns, Query0));
        Assert.Null(ModulePatterns.ValueFor(patterns, "a.b.xvalue"));
        Assert.Null(ModulePatterns.ValueFor(patterns, "a.query.b"));
    }
}
