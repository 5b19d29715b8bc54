// Licensed under the MIT license. See LICENSE in the repository root.

// Building-change detection with PeftCD's recipe: ML.NET's ImageNet ResNet-18 reads the image before and the image after
// with shared weights, LoRA (rank 8, alpha 32, dropout 0.1) adapts its convolutions, and a light decoder turns the
// difference of the two dates' feature maps into a change probability per pixel; the loss is BCE + Dice.
//
// The tiles are the LEVIR-CD samples in ../shared (academic use only: read from there, never copied here): 11 labelled
// 256 × 256 pairs. The 7 that list/demo.txt names train, the other 4 are scored against their masks. That is far too few to
// measure a change detector (LEVIR-CD has 445 training scenes of 1024 × 1024); the sample shows the pipeline, prints the
// change class's metrics with their sizes, and writes before / after / truth / prediction side by side.
//
//   dotnet run -c Release [-- path/to/levir-cd-samples]
using System.Diagnostics;
using ChangeDetection;
using Microsoft.ML;
using Microsoft.ML.Peft;
using Spectre.Console;

var stopwatch = Stopwatch.StartNew();
string? root = args.Length > 0 ? args[0] : LevirFolder.FindShared();
if (root is null || !Directory.Exists(root))
{
    AnsiConsole.MarkupLine($"[red]The tiles are not at {Markup.Escape(root ?? "../shared/fixtures/datasets/levir-cd-samples")}[/]; pass the folder as the first argument.");
    return 2;
}

var pairs = LevirFolder.Read(root);
var demo = LevirFolder.DemoList(root);
var train = pairs.Where(p => demo.Contains(p.Name)).ToList();
var test = pairs.Where(p => !demo.Contains(p.Name)).ToList();
AnsiConsole.MarkupLine($"LEVIR-CD tiles from {Markup.Escape(root)}: {train.Count} to train on, {test.Count} to test on.");

var mlContext = new MLContext(seed: 1);
var load = mlContext.Transforms.LoadImages("Before", root, nameof(LevirPair.BeforePath))
    .Append(mlContext.Transforms.LoadImages("After", root, nameof(LevirPair.AfterPath)))
    .Append(mlContext.Transforms.LoadImages("Mask", root, nameof(LevirPair.MaskPath)));
var pipeline = load.Append(mlContext.Peft().ChangeDetector(new ChangeDetectorOptions
{
    Backbone = VisionBackbones.ResNet18(),

    // Seven tiles make two steps an epoch; many passes over them, each under another of the square's symmetries.
    Epochs = 40,
    BatchSize = 4,
    LearningRate = 1e-3,
}));

using var model = pipeline.Fit(mlContext.Data.LoadFromEnumerable(train));
var info = model.LastTransformer.TrainingInfo!;
AnsiConsole.MarkupLine($"Trained {info.TrainableParameters:N0} of {info.TotalParameters:N0} parameters in {info.Steps} steps ({info.Elapsed:mm\\:ss}); "
    + $"{info.ChangeFraction:P1} of the training pixels are change.");

var table = new Table().AddColumns("set", "tiles", "changed pixels", "precision", "recall", "F1", "IoU", "overall accuracy");
IDataView? scoredTest = null;
foreach (var (name, set) in new[] { ("training", train), ("test", test) })
{
    var scored = model.Transform(mlContext.Data.LoadFromEnumerable(set));
    var m = mlContext.Peft().EvaluateChangeDetector(scored);
    table.AddRow(name, set.Count.ToString(), $"{m.TruePositives + m.FalseNegatives:N0}", $"{m.Precision:F3}", $"{m.Recall:F3}", $"{m.F1Score:F3}", $"{m.IntersectionOverUnion:F3}", $"{m.OverallAccuracy:F3}");
    scoredTest = scored;
}

AnsiConsole.Write(table);
var predictions = mlContext.Data.CreateEnumerable<ScoredPair>(scoredTest!, reuseRowObject: false).ToList();
string pngPath = Path.Combine(Environment.CurrentDirectory, "levir-change-detection.png");
SideBySide.Write(root, test, predictions, pngPath);
AnsiConsole.MarkupLine($"Before / after / truth / prediction of the test tiles written to {Markup.Escape(pngPath)}");
AnsiConsole.MarkupLine($"Done in {stopwatch.Elapsed:mm\\:ss}.");
return 0;
