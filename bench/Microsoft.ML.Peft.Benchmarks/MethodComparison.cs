// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// A child job: trains the text-classification estimator with one PEFT method on SMS spam (all-MiniLM-L6-v2 from NuGet,
/// the sample's split, batch and sequence length), then measures held-out accuracy and the saved adapter's size.
/// </summary>
internal static class MethodComparison
{
    internal static MethodResult Run(BenchmarkOptions options, string methodName)
    {
        var method = MethodCatalog.Find(methodName);
        var mlContext = new MLContext(seed: options.Seed);
        var backbone = MiniLmPackage.Import();
        var data = mlContext.Data.LoadFromTextFile<SmsRow>(SmsSpamData.DefaultPath, separatorChar: '\t', hasHeader: true, allowQuoting: false);
        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        var toKey = mlContext.Transforms.Conversion.MapValueToKey("LabelKey", nameof(SmsRow.Label)).Fit(split.TrainSet);
        var estimator = mlContext.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = backbone,
            LabelColumnName = "LabelKey",
            TextColumnName = nameof(SmsRow.Text),
            Method = method.CreateConfig(),
            Epochs = options.Epochs,
            BatchSize = 16,
            LearningRate = method.LearningRate,
            MaxSequenceLength = 128,

            // A loss line every 50 steps on standard error, so a method that does not learn shows it in the log.
            Progress = new Progress<TrainingProgress>(p =>
            {
                if (p.Step % 50 == 0 || p.IsEpochEnd)
                {
                    Log.Info($"step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} grad norm {p.GradientNorm:F3}");
                }
            }),
        });

        Log.Info($"training {method.Settings}, lr {method.LearningRate}");
        using var classifier = estimator.Fit(toKey.Transform(split.TrainSet));
        var info = classifier.TrainingInfo!;
        Log.Info($"{info.Steps} steps in {info.Elapsed.TotalSeconds:F1} s");

        var scored = classifier.Transform(toKey.Transform(split.TestSet));
        var truth = scored.GetColumn<uint>("LabelKey").ToArray();
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        uint spam = SpamKey(scored.Schema["LabelKey"]);
        int truePositive = truth.Zip(predicted).Count(p => p.First == spam && p.Second == spam);
        int predictedSpam = predicted.Count(p => p == spam);
        int actualSpam = truth.Count(t => t == spam);
        double precision = predictedSpam == 0 ? 0 : truePositive / (double)predictedSpam;
        double recall = actualSpam == 0 ? 0 : truePositive / (double)actualSpam;

        string adapterDirectory = Path.Combine(Path.GetTempPath(), "peft-method-comparison-" + Guid.NewGuid().ToString("N"));
        try
        {
            classifier.SaveAdapter(adapterDirectory);
            long adapterBytes = Directory.EnumerateFiles(adapterDirectory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            long headParameters = (backbone.HiddenSize + 1L) * classifier.LabelCount;
            return new MethodResult(
                method.Name,
                method.Settings,
                method.LearningRate,
                info.TrainableParameters,
                headParameters,
                info.TotalParameters,
                info.Steps,
                info.Elapsed.TotalSeconds,
                info.Elapsed.TotalSeconds / Math.Max(1, info.Steps),
                truth.Zip(predicted).Count(p => p.First == p.Second) / (double)truth.Length,
                precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
                adapterBytes,
                ProcessMemory.PeakResidentBytes());
        }
        finally
        {
            Directory.Delete(adapterDirectory, recursive: true);
        }
    }

    private static uint SpamKey(DataViewSchema.Column labelKey)
    {
        VBuffer<ReadOnlyMemory<char>> keys = default;
        labelKey.GetKeyValues(ref keys);
        int index = keys.DenseValues().Select(k => k.ToString()).ToList().IndexOf("spam");
        return index >= 0 ? (uint)index + 1 : throw new InvalidDataException("The training split has no spam message.");
    }
}
