// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.Vera;

/// <summary>VeRA and RandLoRA through the text-classification estimator on a tiny random BERT, and their adapter export.</summary>
public sealed class VeraTextClassifierTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-vera-textcls-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public VeraTextClassifierTests()
    {
        _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void LoraTextClassifier_WithVera_TrainsPredictsAndExportsTheSharedProjections()
    {
        var model = Fit(new VeraConfig { Rank = 16 }, epochs: 20, learningRate: 5e-2);
        using var classifier = model.LastTransformer;

        var metrics = _ml.MulticlassClassification.Evaluate(model.Transform(Holdout()), labelColumnName: "Label", scoreColumnName: "Score", predictedLabelColumnName: "PredictedLabel");
        Assert.True(metrics.MicroAccuracy >= 0.8, $"held-out accuracy {metrics.MicroAccuracy:F3}");

        // VeRA on query and value of 2 layers (2·2·(32 + 16)) plus the classifier head (32·2 + 2).
        Assert.Equal((2 * 2 * (32 + 16)) + (32 * 2) + 2, classifier.TrainingInfo!.TrainableParameters);

        string folder = Path.Combine(_directory, "adapter");
        classifier.SaveAdapter(folder);
        using var scope = NewDisposeScope();
        var tensors = Microsoft.ML.Peft.Formats.SafeTensors.SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        Assert.Equal(new long[] { 16, 32 }, tensors["base_model.vera_A"].shape);
        Assert.Equal(new long[] { 32, 16 }, tensors["base_model.vera_B"].shape);
        Assert.Contains("base_model.model.bert.encoder.layer.1.attention.self.value.vera_lambda_b", tensors.Keys);
        Assert.Single(tensors.Keys, k => k.Contains("vera_A", StringComparison.Ordinal));
        Assert.Equal(2 + (2 * 2 * 2) + 2, tensors.Count);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftModel.AdapterConfigFileName)))!;
        Assert.Equal("VERA", config["peft_type"]!.GetValue<string>());
    }

    [Fact]
    public void LoraTextClassifier_WithRandLora_TrainsAndExportsTheSharedBases()
    {
        var model = Fit(new RandLoraConfig { Rank = 8, Alpha = 16 }, epochs: 2, learningRate: 1e-3);
        using var classifier = model.LastTransformer;
        Assert.Equal(100, model.Transform(Holdout()).GetColumn<uint>("PredictedLabel").Count());

        string folder = Path.Combine(_directory, "adapter");
        classifier.SaveAdapter(folder);
        using var scope = NewDisposeScope();
        var tensors = Microsoft.ML.Peft.Formats.SafeTensors.SafeTensorsFile.Read(Path.Combine(folder, PeftModel.AdapterWeightsFileName));
        Assert.Equal(new long[] { 8, 1, 32 }, tensors["base_model.randlora_A"].shape);
        Assert.Equal(new long[] { 32, 4, 8 }, tensors["base_model.randlora_B"].shape);
    }

    private TransformerChain<LoraTextClassificationTransformer> Fit(PeftConfig method, int epochs, double learningRate)
    {
        var data = _ml.Data.LoadFromEnumerable(SentimentRows.Create(160, seed: 3));
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = _backbone,
            Method = method,
            Epochs = epochs,
            BatchSize = 32,
            LearningRate = learningRate,
        }));
        return pipeline.Fit(data);
    }

    private IDataView Holdout() => _ml.Data.LoadFromEnumerable(SentimentRows.Create(100, seed: 42));
}
