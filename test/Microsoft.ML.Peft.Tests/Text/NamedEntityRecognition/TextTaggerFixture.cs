// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

/// <summary>A tiny BERT tagger trained once, with a text column, on the toy tagging task, shared by the raw-text tests.</summary>
public sealed class TextTaggerFixture : IDisposable
{
    public TextTaggerFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "peft-ner-text-" + Guid.NewGuid().ToString("N"));
        Backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(Directory, "tiny-bert")));
        var data = Context.Data.LoadFromEnumerable(TaggedSentences.Create(120, seed: 3));
        KeyMap = Context.Transforms.Conversion.MapValueToKey("Tags").Fit(data);
        Tagger = Estimator().Fit(KeyMap.Transform(data));
    }

    internal MLContext Context { get; } = new(seed: 1);

    internal string Directory { get; }

    internal PretrainedModel Backbone { get; }

    internal ITransformer KeyMap { get; }

    internal LoraNamedEntityRecognitionTransformer Tagger { get; }

    internal LoraNamedEntityRecognitionEstimator Estimator() => Context.Peft().LoraNamedEntityRecognizer(new LoraNamedEntityRecognizerOptions
    {
        Backbone = Backbone,
        TextColumnName = "Text",
        Epochs = 15,
        LearningRate = 1e-2,
    });

    public void Dispose()
    {
        Tagger.Dispose();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
