// Licensed under the MIT license. See LICENSE in the repository root.

// Fine-tunes ML.NET's ImageNet ResNet-18 with LoRA to read handwritten digits, in an ML.NET pipeline.
// The pretrained model comes from the Microsoft.ML.DnnImageFeaturizer.ResNet18 NuGet package; the digits are a subset of
// MNIST in samples/Shared/mnist (CC BY-SA 3.0, see its ATTRIBUTION.md); nothing is downloaded.
using System.Diagnostics;
using ImageClassification;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Peft;
using Microsoft.ML.Transforms;
using Samples.Shared;
using Spectre.Console;

var stopwatch = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 1);

// 1. The pretrained backbone: the package's ONNX ResNet-18 imported into TorchSharp with torchvision's module names.
PretrainedModel backbone = VisionBackbones.ResNet18();
AnsiConsole.MarkupLine($"Backbone: [bold]{Markup.Escape(backbone.ToString())}[/]");

// 2. The data: 3,000 training and 1,000 held-out digits, written once as PNG files in a folder per label.
string dataFolder = Path.Combine(AppContext.BaseDirectory, "data");
string imageFolder = Path.Combine(Path.GetTempPath(), "peft-mnist-digits");
var train = mlContext.Data.LoadFromEnumerable(MnistDigits.WritePngs(dataFolder, "train", imageFolder));
var test = mlContext.Data.LoadFromEnumerable(MnistDigits.WritePngs(dataFolder, "test", imageFolder));

// 3. The pipeline: label to key (in digit order), load the images as ML.NET does, LoRA on ResNet's convolutions with a new
//    head (the architecture's default targets; the method's default learning rate), key back to the digit.
TransformerChain<KeyToValueMappingTransformer> model = null!;
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .Start(context =>
    {
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("LabelKey", nameof(DigitImage.Label), keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(mlContext.Transforms.LoadImages("Image", imageFolder, nameof(DigitImage.ImagePath)))
            .Append(mlContext.Peft().ImageClassifier(new ImageClassifierOptions
            {
                Backbone = backbone,
                LabelColumnName = "LabelKey",
                ImageColumnName = "Image",
                // LoRA on the last stage's convolutions: the early filters (edges, strokes) already suit digits, and
                // backpropagation then stops at layer4, which keeps training to a few minutes on two cores. The head fc
                // is new and trains whole. Leave TargetModules unset for the architecture's default (every conv1/conv2).
                Method = new LoraConfig { Rank = 8, Alpha = 16, TargetModules = ModuleSelector.FromRegex(@"layer4\.\d+\.conv[12]") },
                Epochs = 2,
                BatchSize = 32,
                // A flipped or cropped digit is another digit, or none.
                Augment = false,
                Progress = new SpectreTrainingProgress(context.AddTask("training")),
            }))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue(nameof(DigitPrediction.PredictedDigit), "PredictedLabel"));
        model = pipeline.Fit(train);
    });

var info = model.OfType<ImageClassificationTransformer>().Single().TrainingInfo!;
AnsiConsole.MarkupLine($"Trained {info.TrainableParameters:N0} of {info.TotalParameters:N0} parameters in {info.Elapsed:mm\\:ss}.");

// 4. Held-out accuracy with ML.NET's evaluator, and its confusion matrix as a PNG.
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test), labelColumnName: "LabelKey");
AnsiConsole.MarkupLine($"Held-out (1,000 digits): accuracy [bold]{metrics.MicroAccuracy:P2}[/], macro accuracy {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}");
string pngPath = Path.Combine(Environment.CurrentDirectory, "mnist-confusion-matrix.png");
ConfusionMatrixPng.Write(metrics.ConfusionMatrix, Enumerable.Range(0, 10).Select(d => d.ToString()).ToList(), pngPath);
AnsiConsole.MarkupLine($"Confusion matrix written to {Markup.Escape(pngPath)}");

// 5. Save the whole pipeline (LoadImages included; the backbone is referenced, not copied), reload, and predict one image at a time.
string modelPath = Path.Combine(Path.GetTempPath(), "mnist-resnet18-lora.zip");
mlContext.Peft().Model.Save(model, train.Schema, modelPath);
AnsiConsole.MarkupLine($"Saved {new FileInfo(modelPath).Length / 1024.0 / 1024.0:F1} MB to {Markup.Escape(modelPath)}");
var reloaded = mlContext.Peft().Model.Load(modelPath, out _);
var engine = mlContext.Model.CreatePredictionEngine<DigitImage, DigitPrediction>(reloaded);
var table = new Table().AddColumns("image", "label", "predicted", "probability");
foreach (var row in mlContext.Data.CreateEnumerable<DigitImage>(test, reuseRowObject: false).Take(5))
{
    var prediction = engine.Predict(row);
    table.AddRow(row.ImagePath, row.Label, prediction.PredictedDigit, $"{prediction.Score.Max():P1}");
}

AnsiConsole.Write(table);
AnsiConsole.MarkupLine($"Done in {stopwatch.Elapsed:mm\\:ss}.");
return metrics.MicroAccuracy >= 0.97 ? 0 : 1;
