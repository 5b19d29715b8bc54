// Licensed under the MIT license. See LICENSE in the repository root.

// Few-shot digit reading with ML.NET's ImageNet ResNet-18: K images per digit (K = 1, 2, 4, 8, 16), and three ways to
// adapt the network to them, each through mlContext.Peft().SvdFewShotClassifier, so every run starts from the same head
// (the class prototypes, a nearest-class-mean classifier) and differs only in what trains: the singular values of the
// last stage's convolutions (CLIP-SVD's method), LoRA on the same convolutions, or the head alone (a linear probe).
// The digits are a subset of MNIST in samples/Shared/mnist (CC BY-SA 3.0); nothing is downloaded.
//
//   dotnet run -c Release              every K, two K-shot draws per K (about 40 minutes on two cores)
//   dotnet run -c Release -- --quick   K = 1 and 4, one draw
using System.Diagnostics;
using FewShotClassification;
using Microsoft.ML;
using Microsoft.ML.Peft;
using Microsoft.ML.Transforms;
using Samples.Shared;
using Spectre.Console;

bool quick = args.Contains("--quick");
int[] shots = quick ? new[] { 1, 4 } : new[] { 1, 2, 4, 8, 16 };
int[] draws = quick ? new[] { 1 } : new[] { 1, 2 };
var stopwatch = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 1);

PretrainedModel backbone = VisionBackbones.ResNet18();
AnsiConsole.MarkupLine($"Backbone: [bold]{Markup.Escape(backbone.ToString())}[/]");

string dataFolder = Path.Combine(AppContext.BaseDirectory, "data");
string imageFolder = Path.Combine(Path.GetTempPath(), "peft-mnist-digits");
var train = mlContext.Data.LoadFromEnumerable(MnistDigits.WritePngs(dataFolder, "train", imageFolder));

// 30 held-out digits per class keep each evaluation to seconds; the same 300 for every run.
var test = mlContext.Data.TakeRowsPerClass(mlContext.Data.LoadFromEnumerable(MnistDigits.WritePngs(dataFolder, "test", imageFolder)), rowsPerClass: 30, labelColumnName: nameof(DigitImage.Label));

var results = new List<FewShotResult>();
foreach (var method in FewShotMethods.All)
{
    foreach (int k in shots)
    {
        foreach (int draw in draws)
        {
            // The K-shot set: K digits of each class, a different draw per seed.
            var kShot = mlContext.Data.TakeRowsPerClass(train, rowsPerClass: k, labelColumnName: nameof(DigitImage.Label), seed: draw);
            var run = Stopwatch.StartNew();
            var pipeline = mlContext.Transforms.Conversion.MapValueToKey("LabelKey", nameof(DigitImage.Label), keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
                .Append(mlContext.Transforms.LoadImages("Image", imageFolder, nameof(DigitImage.ImagePath)))
                .Append(mlContext.Peft().SvdFewShotClassifier(method.Options(backbone, "LabelKey", k)));
            var model = pipeline.Fit(kShot);
            try
            {
                var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test), labelColumnName: "LabelKey");
                var info = model.LastTransformer.TrainingInfo!;
                results.Add(new FewShotResult(method.Name, k, draw, metrics.MicroAccuracy, info.TrainableParameters, info.Steps, run.Elapsed));
                AnsiConsole.MarkupLine($"{Markup.Escape(method.Name),-16} K = {k,2}, draw {draw}: accuracy [bold]{metrics.MicroAccuracy:P1}[/], {info.TrainableParameters:N0} trained parameters, {info.Steps} steps, {run.Elapsed:mm\\:ss}");
            }
            finally
            {
                model.Dispose();
            }
        }
    }
}

var table = new Table().AddColumn("method").AddColumn("trained parameters");
foreach (int k in shots)
{
    table.AddColumn($"K = {k}");
}

foreach (var group in results.GroupBy(r => r.Method))
{
    var cells = new List<string> { group.Key, group.First().TrainableParameters.ToString("N0") };
    cells.AddRange(shots.Select(k => FewShotResult.MeanAndSpread(group.Where(r => r.Shots == k).Select(r => r.Accuracy).ToList())));
    table.AddRow(cells.ToArray());
}

AnsiConsole.MarkupLine($"Accuracy on 300 held-out digits, mean ± half the range over {draws.Length} K-shot draw(s):");
AnsiConsole.Write(table);
string pngPath = Path.Combine(Environment.CurrentDirectory, "mnist-few-shot-accuracy.png");
AccuracyPlot.Write(results, shots, pngPath);
AnsiConsole.MarkupLine($"Plot written to {Markup.Escape(pngPath)}");
AnsiConsole.MarkupLine($"Done in {stopwatch.Elapsed:mm\\:ss}.");
return 0;
