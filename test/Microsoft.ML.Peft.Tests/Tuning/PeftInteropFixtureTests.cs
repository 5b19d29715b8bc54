// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Tuning;

/// <summary>
/// Parity with Python PEFT 0.21 on the adapters it wrote for a random BERT (../shared/fixtures/peft-interop): every
/// configuration, loaded onto this library's <c>BertForSequenceClassification</c> or <c>BertForTokenClassification</c>,
/// reproduces the logits PEFT computed for the same inputs, unmerged and merged, and saved again it loads back to the
/// same logits with the same keys as PEFT's file.
/// </summary>
public sealed class PeftInteropFixtureTests : IDisposable
{
    internal const string TinyBert = "peft-interop/tiny-bert";
    internal const string SequenceCases = "peft-interop/peft-0.21";
    internal const string TokenCases = "peft-interop/peft-0.21-token-cls";
    private const double Tolerance = 1e-5;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-interop-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public PeftInteropFixtureTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> SequenceCaseNames => new()
    {
        "lora", "rslora", "dora", "lora_all_linear", "lora_patterns", "lora_embedding", "lokr", "lokr_both", "loha",
        "vera", "vera_noproj", "randlora", "ia3", "ln_tuning",
    };

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SharedFixtureTheory(TinyBert, SequenceCases)]
    [MemberData(nameof(SequenceCaseNames))]
    public void SequenceClassifierAdapter_WrittenByPeft_ReproducesItsLogits_UnmergedMergedAndResaved(string name)
    {
        using var scope = NewDisposeScope();
        string folder = SharedFixtures.Path(SequenceCases, name);
        var expected = FixtureJson.Read($"{SequenceCases}/{name}/expected.json");
        int labels = expected["num_labels"]!.GetValue<int>();
        var text = OpenTinyBert();

        using var classifier = text.Architecture.CreateSequenceClassifier(text.CreateEncoder(), labels);
        AssertParity(classifier, folder, expected, (m, ids, mask) => ((SequenceClassifierModel)m).call(ids, zeros_like(ids), mask));
    }

    [SharedFixtureTheory(TinyBert, TokenCases)]
    [InlineData("lora_tokcls")]
    [InlineData("ia3_tokcls")]
    public void TokenClassifierAdapter_WrittenByPeft_ReproducesItsLogits_UnmergedMergedAndResaved(string name)
    {
        using var scope = NewDisposeScope();
        string folder = SharedFixtures.Path(TokenCases, name);
        var expected = FixtureJson.Read($"{TokenCases}/{name}/expected.json");
        int labels = (int)FixtureJson.Tensor(expected["logits"]!).shape[^1];
        var text = OpenTinyBert();

        using var classifier = text.Architecture.CreateTokenClassifier(text.CreateEncoder(), labels);
        AssertParity(classifier, folder, expected, (m, ids, mask) => ((TokenClassifierModel)m).call(ids, zeros_like(ids), mask));
    }

    internal static TextBackbone OpenTinyBert() => PretrainedModel.FromDirectory(SharedFixtures.Path(TinyBert.Split('/'))).AsText("test");

    private void AssertParity(nn.Module model, string folder, JsonObject expected, Func<nn.Module, Tensor, Tensor, Tensor> forward)
    {
        var ids = FixtureJson.Tensor(expected["input_ids"]!, ScalarType.Int64);
        var mask = FixtureJson.Tensor(expected["attention_mask"]!, ScalarType.Int64);
        var logits = FixtureJson.Tensor(expected["logits"]!);
        string resaved = Path.Combine(_directory, "resaved");

        using (var peft = PeftModel.FromPretrained(model, folder))
        {
            model.eval();
            using var noGrad = no_grad();
            AssertClose(logits, forward(model, ids, mask), "logits");
            peft.MergeAdapter();
            AssertClose(logits, forward(model, ids, mask), "logits, merged");
            peft.UnmergeAdapter();
            AssertClose(logits, forward(model, ids, mask), "logits, unmerged again");

            peft.SaveAdapter(resaved);
        }

        var original = SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        var written = SafeTensorsFile.Read(Path.Combine(resaved, PeftModel.AdapterWeightsFileName));
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), written.Keys.Order(StringComparer.Ordinal));
        Assert.All(original, p => Assert.True(ModelState.Identical(p.Value, written[p.Key]), $"'{p.Key}' changed on re-save"));
    }

    private void AssertClose(Tensor expected, Tensor actual, string because)
    {
        _output.WriteLine($"{because}: max |difference| {ModelState.MaxAbsDifference(expected, actual):G3}");
        ModelState.AssertClose(expected, actual, Tolerance, because);
    }
}
