// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Methods.Lora;
using TorchSharp;

namespace Microsoft.ML.Peft.Tests.Adapters;

public sealed class PeftMethodRegistryTests
{
    [Fact]
    public void PeftMethodRegistry_EveryConfigTypeInLibrary_IsRegistered()
    {
        var configTypes = typeof(PeftConfig).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(PeftConfig).IsAssignableFrom(t))
            .ToList();
        Assert.Contains(typeof(LoraConfig), configTypes);

        foreach (var type in configTypes)
        {
            var config = (PeftConfig)Activator.CreateInstance(type, nonPublic: true)!;
            var method = PeftMethodRegistry.ForConfig(config);
            Assert.Equal(type, method.ConfigType);
            Assert.Same(method, PeftMethodRegistry.ForPeftType(config.PeftType));
            Assert.IsType(type, method.CreateConfig());
            Assert.Contains(method, PeftMethodRegistry.Methods);
        }
    }

    [Fact]
    public void PeftMethodRegistry_ForPeftTypeLora_ReturnsLoraMethod()
    {
        var method = PeftMethodRegistry.ForPeftType("LORA");
        Assert.IsType<LoraMethod>(method);
        Assert.Equal(("lora", "LORA", "lora_"), (method.Name, method.PeftType, method.Prefix));
        Assert.Equal(typeof(LoraConfig), method.ConfigType);
    }

    [Fact]
    public void PeftMethodRegistry_ForPeftType_DistinguishesUnimplementedFromUnknown()
    {
        Assert.Contains("POLY", Assert.Throws<NotSupportedException>(() => PeftMethodRegistry.ForPeftType("POLY")).Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ArgumentException>(() => PeftMethodRegistry.ForPeftType("NOT_A_METHOD"));
        Assert.Contains("NOT_A_METHOD", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("LORA", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PeftMethodRegistry.ForPeftType("lora"));
    }

    [Fact]
    public void PeftMethodRegistry_Register_UppercaseName_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => PeftMethodRegistry.Register(new FakeMethod("Zzfaketest", "ZZFAKETEST", "zzfaketest_")));
        Assert.Contains("lowercase", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PeftMethodRegistry_Register_NameEndingInUnderscore_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => PeftMethodRegistry.Register(new FakeMethod("zzfaketest_", "ZZFAKETEST", "zzfaketest_")));
        Assert.Contains("'_'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PeftMethodRegistry_Register_DuplicatePeftType_IsRejected()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => PeftMethodRegistry.Register(new FakeMethod("zzfaketest", "LORA", "zzfaketest_")));
        Assert.Contains("'LORA'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("already registered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PeftMethodRegistry_Register_DuplicatePrefix_IsRejected()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => PeftMethodRegistry.Register(new FakeMethod("zzfaketest", "ZZFAKETEST", "lora_")));
        Assert.Contains("Prefix 'lora_'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lora'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PeftMethodRegistry_Register_RejectionsLeaveRegistryUnchanged()
    {
        int before = PeftMethodRegistry.Methods.Count;
        Assert.ThrowsAny<Exception>(() => PeftMethodRegistry.Register(new FakeMethod("zzfaketest", "ZZFAKETEST", "lora_")));
        Assert.Equal(before, PeftMethodRegistry.Methods.Count);
        Assert.Throws<ArgumentException>(() => PeftMethodRegistry.ForPeftType("ZZFAKETEST"));
    }

    /// <summary>
    /// A method that must never be registered: besides the rule under test, its config type is LoRA's, which is
    /// already taken, so even a broken check cannot add it to the process-wide registry.
    /// </summary>
    private sealed class FakeMethod(string name, string peftType, string prefix) : PeftMethod
    {
        internal override string Name => name;

        internal override string PeftType => peftType;

        internal override string Prefix => prefix;

        internal override Type ConfigType => typeof(LoraConfig);

        internal override IReadOnlyList<ConfigJsonField> JsonFields => Array.Empty<ConfigJsonField>();

        internal override PeftConfig CreateConfig() => new LoraConfig();

        internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config) => throw new NotSupportedException();
    }
}
