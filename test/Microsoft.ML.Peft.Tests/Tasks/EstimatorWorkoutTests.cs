// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Tasks;

/// <summary>
/// Every task estimator through the same workout (<see cref="EstimatorWorkout"/>) on a tiny random backbone of its modality.
/// A new task joins by adding one case to <see cref="s_cases"/>.
/// </summary>
public sealed class EstimatorWorkoutTests : IDisposable
{
    private static readonly IEstimatorWorkoutCase[] s_cases =
    {
        new EstimatorWorkoutCase<SentimentRow, ClassifierPrediction>
        {
            Name = "TextClassification",
            Rows = (count, seed) => SentimentRows.Create(count, seed),
            Preprocess = ml => ml.Transforms.Conversion.MapValueToKey(nameof(SentimentRow.Label)),
            Estimator = (ml, backbone, cancellation) => ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
            {
                Backbone = backbone,
                Epochs = 1,
                BatchSize = 16,
                LearningRate = 1e-2,
                CancellationToken = cancellation,
            }),
            InputColumn = nameof(SentimentRow.Text),
            LabelColumn = nameof(SentimentRow.Label),
        },
        new EstimatorWorkoutCase<BooleanSentimentRow, BinaryClassifierPrediction>
        {
            // A Boolean label makes the text classifier binary; ConvertType stands for the step that produces it.
            Name = "BinaryTextClassification",
            Rows = (count, seed) => SentimentRows.CreateBoolean(count, seed),
            Preprocess = ml => ml.Transforms.Conversion.ConvertType(nameof(BooleanSentimentRow.Label), outputKind: Microsoft.ML.Data.DataKind.Boolean),
            Estimator = (ml, backbone, cancellation) => ml.Peft().LoraTextClassifier(new LoraTextClassifierOptions
            {
                Backbone = backbone,
                Epochs = 1,
                BatchSize = 16,
                LearningRate = 1e-2,
                CancellationToken = cancellation,
            }),
            InputColumn = nameof(BooleanSentimentRow.Text),
            LabelColumn = nameof(BooleanSentimentRow.Label),
        },
        new EstimatorWorkoutCase<TaggedSentence, TaggerPrediction>
        {
            Name = "NamedEntityRecognition",
            Rows = (count, seed) => TaggedSentences.Create(count, seed),
            Preprocess = ml => ml.Transforms.Conversion.MapValueToKey(nameof(TaggedSentence.Tags)),
            Estimator = (ml, backbone, cancellation) => ml.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions
            {
                Backbone = backbone,
                Epochs = 1,
                BatchSize = 16,
                LearningRate = 1e-2,
                CancellationToken = cancellation,
            }),
            InputColumn = nameof(TaggedSentence.Tokens),
            LabelColumn = nameof(TaggedSentence.Tags),
        },
        new EstimatorWorkoutCase<ImageRow, ClassifierPrediction>
        {
            Name = "ImageClassification",
            WriteBackbone = directory => TinyCnnFolder.Write(directory),
            Rows = (count, seed) => ImageRows.Create(count, seed),
            Preprocess = ml => ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)),
            Estimator = (ml, backbone, cancellation) => ml.Peft().ImageClassifier(new ImageClassifierOptions
            {
                Backbone = backbone,
                Epochs = 1,
                BatchSize = 16,
                LearningRate = 1e-2,
                CancellationToken = cancellation,
            }),
            InputColumn = nameof(ImageRow.Image),
            LabelColumn = nameof(ImageRow.Label),
        },
        new EstimatorWorkoutCase<ImageRow, ClassifierPrediction>
        {
            Name = "SvdFewShotClassification",
            WriteBackbone = directory => TinyCnnFolder.Write(directory),
            Rows = (count, seed) => ImageRows.Create(count, seed),
            Preprocess = ml => ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)),
            Estimator = (ml, backbone, cancellation) => ml.Peft().SvdFewShotClassifier(new SvdFewShotClassifierOptions
            {
                Backbone = backbone,
                Epochs = 1,
                BatchSize = 16,
                LearningRate = 1e-2,
                CancellationToken = cancellation,
            }),
            InputColumn = nameof(ImageRow.Image),
            LabelColumn = nameof(ImageRow.Label),
        },
        new EstimatorWorkoutCase<BooleanImageRow, BinaryClassifierPrediction>
        {
            Name = "NormTunedDetection",
            WriteBackbone = directory => TinyCnnFolder.Write(directory),
            Rows = (count, seed) => ImageRows.CreateBoolean(count, seed),
            Preprocess = ml => ml.Transforms.Conversion.ConvertType(nameof(BooleanImageRow.Label), outputKind: Microsoft.ML.Data.DataKind.Boolean),
            Estimator = (ml, backbone, cancellation) => ml.Peft().NormTunedDetector(new NormTunedDetectorOptions
            {
                Backbone = backbone,
                Epochs = 1,
                BatchSize = 16,
                LearningRate = 1e-2,
                CancellationToken = cancellation,
            }),
            InputColumn = nameof(BooleanImageRow.Image),
            LabelColumn = nameof(BooleanImageRow.Label),
        },
        new EstimatorWorkoutCase<ChangePairRow, ChangePrediction>
        {
            Name = "ChangeDetection",
            WriteBackbone = directory => TinyCnnFolder.Write(directory),
            Rows = (count, seed) => ChangePairRows.Create(count, seed),
            // The masks are images already; nothing to prepare.
            Preprocess = ml => ml.Transforms.CopyColumns(nameof(ChangePairRow.Scene), nameof(ChangePairRow.Scene)),
            Estimator = (ml, backbone, cancellation) => ml.Peft().ChangeDetector(new ChangeDetectorOptions
            {
                Backbone = backbone,
                // The tiny CNN's default target (proj) pools; its convolution is what the feature map passes through. Other
                // backbones keep their architecture's default targets.
                Method = backbone.ModelType == TinyCnnArchitecture.Type
                    ? new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ModuleSelector.FromNames("conv1") }
                    : new LoraConfig { Rank = 2, Alpha = 4 },
                Epochs = 1,
                BatchSize = 8,
                LearningRate = 1e-2,
                CancellationToken = cancellation,
            }),
            InputColumn = nameof(ChangePairRow.Before),
            LabelColumn = nameof(ChangePairRow.Mask),
            WrongTypedColumn = nameof(ChangePairRow.Scene),
        },
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-workout-" + Guid.NewGuid().ToString("N"));

    public static TheoryData<string> Tasks => new(s_cases.Select(c => c.Name));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Workout_EveryTaskEstimator_KeepsTheEstimatorContract(string task)
    {
        var workout = s_cases.Single(c => c.Name == task);
        var backbone = PretrainedModel.FromDirectory(workout.WriteBackbone(Path.Combine(_directory, "backbone")));

        workout.Run(backbone, _directory);
    }

    [Fact]
    public void Workout_ImageClassifierOnResNet18FromItsPackage_KeepsTheEstimatorContract()
    {
        // The one real backbone that needs no fixture folder: its saved reference names the package, not a folder.
        s_cases.Single(c => c.Name == "ImageClassification").Run(VisionBackbones.ResNet18(), _directory);
    }

    [Fact]
    public void Workout_ImageClassifierOnATinyViT_KeepsTheEstimatorContract()
    {
        // A transformer backbone beside the tiny CNN: LoRA on query and value, exported under transformers 5's names.
        var backbone = PretrainedModel.FromDirectory(TinyVitFolder.Write(Path.Combine(_directory, "vit")));

        s_cases.Single(c => c.Name == "ImageClassification").Run(backbone, _directory);
    }

    [Fact]
    public void Workout_ChangeDetectorOnATinyViT_KeepsTheEstimatorContract()
    {
        // Patch-token maps at two depths, the pairs resized to the ViT's input; the stage reloads onto a ViT.
        var backbone = PretrainedModel.FromDirectory(TinyVitFolder.Write(Path.Combine(_directory, "vit")));

        s_cases.Single(c => c.Name == "ChangeDetection").Run(backbone, _directory);
    }

    private sealed class ChangePrediction
    {
        public float[] ChangeProbability { get; set; } = Array.Empty<float>();

        public bool[] PredictedMask { get; set; } = Array.Empty<bool>();
    }

    private sealed class ClassifierPrediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();

        public uint PredictedLabel { get; set; }
    }

    private sealed class BinaryClassifierPrediction
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }

    private sealed class TaggerPrediction
    {
        public uint[] PredictedTags { get; set; } = Array.Empty<uint>();
    }
}
