// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>Trains the text classifier with a given PEFT method on the toy sentiment task of a tiny BERT, predicts, and reloads the saved pipeline.</summary>
internal sealed class TextClassifierMethodRun : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-method-textcls-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);

    internal TextClassifierMethodRun()
    {
        Backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
    }

    internal PretrainedModel Backbone { get; }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Held-out accuracy, trainable parameter count, and whether the reloaded pipeline predicts the same labels.</summary>
    internal (double Accuracy, long TrainableParameters, bool ReloadPredictsTheSame) Fit(PeftConfig method, int epochs = 20)
    {
        var data = _ml.Data.LoadFromEnumerable(SentimentRows.Create(160, seed: 3));
        var holdout = _ml.Data.LoadFromEnumerable(SentimentRows.Create(100, seed: 42));
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = Backbone,
            Method = method,
            Epochs = epochs,
            BatchSize = 32,
            LearningRate = 1e-2,
        }));
        var model = pipeline.Fit(data);
        using var classifier = model.LastTransformer;
        var metrics = _ml.MulticlassClassification.Evaluate(model.Transform(holdout), labelColumnName: "Label", scoreColumnName: "Score", predictedLabelColumnName: "PredictedLabel");

        string path = Path.Combine(_directory, "model.zip");
        _ml.Peft().Model.Save(model, data.Schema, path);
        var loaded = _ml.Peft().Model.Load(path, out _);
        var before = model.Transform(holdout).GetColumn<uint>("PredictedLabel").ToList();
        var after = loaded.Transform(holdout).GetColumn<uint>("PredictedLabel").ToList();
        (loaded as IDisposable)?.Dispose();
        return (metrics.MicroAccuracy, classifier.TrainingInfo!.TrainableParameters, before.SequenceEqual(after));
    }
}
