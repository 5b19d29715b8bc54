// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Adapters;

/// <summary>
/// The fields written to <c>adapter_config.json</c> against those PEFT 0.21 writes itself: its <c>save_pretrained</c>
/// writes every field of the method's config dataclass, so a fixture's keys are the fields Python knows, and a field
/// outside them makes Python warn "Unexpected keyword arguments" on load.
/// </summary>
public sealed class PeftConfigFieldsTests
{
    private const string Fixtures = "peft-interop/peft-0.21";

    public static TheoryData<string> Cases => new()
    {
        "lora", "rslora", "dora", "lora_all_linear", "lora_patterns", "lora_embedding", "lokr", "lokr_both", "loha", "vera",
        "vera_noproj", "randlora", "ia3", "ln_tuning",
    };

    [SharedFixtureTheory(Fixtures)]
    [MemberData(nameof(Cases))]
    public void ToJson_NewConfigOfTheMethod_WritesOnlyFieldsPeftsDataclassKnows(string fixture)
    {
        var written = JsonNode.Parse(File.ReadAllText(SharedFixtures.Path(Fixtures, fixture, AdapterConfigJson.FileName)))!.AsObject();
        string peftType = written[AdapterConfigJson.PeftTypeField]!.GetValue<string>();
        var config = PeftMethodRegistry.ForPeftType(peftType).CreateConfig();

        var fields = AdapterConfigJson.ToJson(config).Select(p => p.Key);

        Assert.Empty(fields.Except(written.Select(p => p.Key)));
    }

    [SharedFixtureTheory(Fixtures)]
    [MemberData(nameof(Cases))]
    public void ToJson_ConfigReadFromPeft_KeepsEveryFieldOfTheFile(string fixture)
    {
        string path = SharedFixtures.Path(Fixtures, fixture, AdapterConfigJson.FileName);
        var written = JsonNode.Parse(File.ReadAllText(path))!.AsObject();

        var again = AdapterConfigJson.ToJson(AdapterConfigJson.Read(path));

        Assert.Equal(written.Select(p => p.Key).Order(), again.Select(p => p.Key).Order());
    }

    [Fact]
    public void Validate_ExcludeModulesOnVeraOrRandLora_ThrowsNamingTheOptionAndTheWayAround()
    {
        var vera = new VeraConfig { TargetModules = ModuleSelector.FromNames("query"), ExcludeModules = ModuleSelector.FromNames("value") };
        var randLora = new RandLoraConfig { TargetModules = ModuleSelector.FromNames("query"), ExcludeModules = ModuleSelector.FromNames("value") };

        var veraError = Assert.Throws<ArgumentException>("ExcludeModules", vera.Validate);
        var randLoraError = Assert.Throws<ArgumentException>("ExcludeModules", randLora.Validate);

        Assert.Contains("not a VERA option in PEFT", veraError.Message);
        Assert.Contains("not a RANDLORA option in PEFT", randLoraError.Message);
        Assert.Contains("`TargetModules`", veraError.Message);
    }
}
