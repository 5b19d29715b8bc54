// Licensed under the MIT license. See LICENSE in the repository root.

// Fake-face detection with GenD's recipe (only the normalisation layers and a head over normalised features train, with
// cross-entropy + uniformity + alignment) on ML.NET's ImageNet ResNet-18, whose norms are BatchNorms: their affine values
// train and their statistics stay the pretrained ones.
//
// The faces are the real-vs-fake-faces fixture in ../shared (research-only and non-commercial licences, so they are read
// from there and never copied here): 4 real photographs (FFHQ) and 4 StyleGAN faces, plus 24 faces of another generator,
// StyleGAN3. That is far too few to measure a detector; the sample shows the pipeline and the cross-generator protocol, and
// prints its figures with their sizes.
//
// Protocol, 4 folds: each trains on 3 real and 3 StyleGAN faces and scores the held-out real face, the held-out StyleGAN
// face and all 24 StyleGAN3 faces. The folds' scores are pooled: in-generator AUROC is 4 real against 4 StyleGAN faces,
// cross-generator AUROC 4 real against 96 StyleGAN3 scores (24 faces × 4 models).
//
//   dotnet run -c Release [-- path/to/real-vs-fake-faces]
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Peft;
using NormTunedDetection;
using Spectre.Console;

var stopwatch = Stopwatch.StartNew();
string? root = args.Length > 0 ? args[0] : FaceFolders.FindShared();
if (root is null || !Directory.Exists(root))
{
    AnsiConsole.MarkupLine($"[red]The faces are not at {Markup.Escape(root ?? "../shared/fixtures/datasets/real-vs-fake-faces")}[/]; pass the folder as the first argument.");
    return 2;
}

var faces = FaceFolders.Read(root);
var real = faces.Where(f => f.Source == FaceFolders.Real).ToList();
var styleGan = faces.Where(f => f.Source == FaceFolders.StyleGan).ToList();
var styleGan3 = faces.Where(f => f.Source == FaceFolders.StyleGan3).ToList();
AnsiConsole.MarkupLine($"Faces: {real.Count} real, {styleGan.Count} StyleGAN, {styleGan3.Count} StyleGAN3 from {Markup.Escape(root)}");

var mlContext = new MLContext(seed: 1);
PretrainedModel backbone = VisionBackbones.ResNet18();
var scored = new List<ScoredFace>();
for (int fold = 0; fold < real.Count; fold++)
{
    var train = real.Where((_, i) => i != fold).Concat(styleGan.Where((_, i) => i != fold)).ToList();
    var heldOut = new[] { real[fold], styleGan[fold] }.Concat(styleGan3).ToList();
    var pipeline = mlContext.Transforms.LoadImages("Image", root, nameof(FaceImage.ImagePath))
        .Append(mlContext.Peft().NormTunedDetector(new NormTunedDetectorOptions
        {
            Backbone = backbone,
            LabelColumnName = nameof(FaceImage.IsFake),
            ImageColumnName = "Image",
            FeaturesColumnName = "Features",

            // GenD trains 30 epochs on about 100,000 frames at 3e-4; six faces need many more passes at a higher rate.
            Epochs = 30,
            BatchSize = 6,
            LearningRate = 1e-2,
        }));
    using var model = pipeline.Fit(mlContext.Data.LoadFromEnumerable(train));
    var rows = mlContext.Data.CreateEnumerable<ScoredFace>(model.Transform(mlContext.Data.LoadFromEnumerable(heldOut)), reuseRowObject: false).ToList();
    rows.ForEach(r => r.Fold = fold);
    scored.AddRange(rows);
    var info = model.LastTransformer.TrainingInfo!;
    AnsiConsole.MarkupLine($"fold {fold + 1}: trained {info.TrainableParameters:N0} of {info.TotalParameters:N0} parameters in {info.Steps} steps; "
        + $"P(fake) held-out real {rows[0].Probability:F3}, StyleGAN {rows[1].Probability:F3}, StyleGAN3 mean {rows.Skip(2).Average(r => r.Probability):F3}");
}

var table = new Table().AddColumns("test set", "real", "fake", "AUROC", "EER", "accuracy");
foreach (var (name, fakeSource) in new[] { ("in-generator (StyleGAN)", FaceFolders.StyleGan), ("cross-generator (StyleGAN3)", FaceFolders.StyleGan3) })
{
    var set = scored.Where(s => s.Source == FaceFolders.Real || s.Source == fakeSource).ToList();
    var metrics = mlContext.Peft().EvaluateDetector(mlContext.Data.LoadFromEnumerable(set), labelColumnName: nameof(ScoredFace.IsFake));
    table.AddRow(name, metrics.NegativeCount.ToString(), metrics.PositiveCount.ToString(), $"{metrics.AreaUnderRocCurve:F3}", $"{metrics.EqualErrorRate:F3}", $"{metrics.Accuracy:P1}");
}

AnsiConsole.MarkupLine("Held-out scores of the 4 folds, pooled:");
AnsiConsole.Write(table);
string pngPath = Path.Combine(Environment.CurrentDirectory, "face-feature-space.png");
FeatureSpacePlot.Write(scored, pngPath);
AnsiConsole.MarkupLine($"Feature space written to {Markup.Escape(pngPath)}");
AnsiConsole.MarkupLine($"Done in {stopwatch.Elapsed:mm\\:ss}.");
return 0;
