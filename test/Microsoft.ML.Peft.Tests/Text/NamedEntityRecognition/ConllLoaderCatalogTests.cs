// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class ConllLoaderCatalogTests : IDisposable
{
    private readonly MLContext _mlContext = new(seed: 1);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-conll-" + Guid.NewGuid().ToString("N"));

    public ConllLoaderCatalogTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // Counts computed from the files: sentences are blank-line separated; every Disease entity starts with B-Disease and
    // no I-Disease follows an O, so strict and default mode find the same entities.
    [SharedFixtureTheory("datasets/ncbi-disease-iob/train.tsv")]
    [InlineData("train.tsv", 5424, 135701, 5134, "Identification")]
    [InlineData("devel.tsv", 923, 23969, 787, "BRCA1")]
    [InlineData("test.tsv", 940, 24497, 960, "Clustering")]
    public void LoadFromConllFile_NcbiDisease_HasSentencesTokensAndEntities(string file, int sentences, int tokens, int entities, string firstToken)
    {
        var data = _mlContext.Data.LoadFromConllFile(SharedFixtures.Path("datasets", "ncbi-disease-iob", file));

        var rows = Read(data);
        Assert.Equal(sentences, rows.Count);
        Assert.Equal(tokens, rows.Sum(r => r.Tokens.Length));
        Assert.All(rows, r => Assert.Equal(r.Tokens.Length, r.Tags.Length));
        Assert.Equal(entities, rows.Sum(r => r.Tags.Count(t => t == "B-Disease")));
        Assert.Equal(firstToken, rows[0].Tokens[0]);

        foreach (bool strict in new[] { true, false })
        {
            var copy = _mlContext.Transforms.CopyColumns("PredictedTags", "Tags").Fit(data).Transform(data);
            var metrics = _mlContext.Peft().EvaluateNamedEntities(copy, strict: strict);
            Assert.Equal(entities, metrics.Support);
            Assert.Equal(entities, metrics.PerType["Disease"].TruePositiveCount);
            Assert.Equal(1.0, metrics.MicroF1);
        }
    }

    [Fact]
    public void LoadFromConllFile_Schema_IsVariableTextVectors()
    {
        var data = _mlContext.Data.LoadFromConllFile(Write("a\tO\n"));

        Assert.Equal(["Tokens", "Tags"], data.Schema.Select(c => c.Name));
        Assert.All(data.Schema, c => Assert.Equal(new VectorDataViewType(TextDataViewType.Instance), c.Type));
    }

    [Fact]
    public void LoadFromConllFile_Conll2003Layout_SkipsDocstartReadsLastColumnAndConvertsIob1()
    {
        string path = Write(
            "-DOCSTART- -X- -X- O\n\n"
            + "EU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\ncall NN I-NP O\n\n\n\n"
            + "-DOCSTART- -X- -X- O\n\n"
            + "Peter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\nand CC O O\nBonn NNP I-NP I-LOC\nCologne NNP I-NP B-LOC\n");

        var rows = Read(_mlContext.Data.LoadFromConllFile(path, scheme: TagScheme.Iob1));

        Assert.Equal(2, rows.Count);
        Assert.Equal(["EU", "rejects", "German", "call"], rows[0].Tokens);
        Assert.Equal(["B-ORG", "O", "B-MISC", "O"], rows[0].Tags);
        Assert.Equal(["B-PER", "I-PER", "O", "B-LOC", "B-LOC"], rows[1].Tags);
    }

    [Fact]
    public void LoadFromConllFile_Bioes_ConvertsToIob2()
    {
        string path = Write("New\tB-LOC\nYork\tE-LOC\nis\tO\nbig\tO\nParis\tS-LOC\n");

        var rows = Read(_mlContext.Data.LoadFromConllFile(path, scheme: TagScheme.Bioes));

        Assert.Equal(["B-LOC", "I-LOC", "O", "O", "B-LOC"], rows[0].Tags);
    }

    [Fact]
    public void LoadFromConllFile_CrlfAndTrailingWhitespace_Ignored()
    {
        string path = Write("The\tO \r\ndisease\tB-Disease\t\r\n \r\nA\tO\r\n");

        var rows = Read(_mlContext.Data.LoadFromConllFile(path));

        Assert.Equal(2, rows.Count);
        Assert.Equal(["O", "B-Disease"], rows[0].Tags);
        Assert.Equal(["A"], rows[1].Tokens);
    }

    [Fact]
    public void LoadFromConllFile_TabSeparator_KeepsSpacesInsideTokens()
    {
        string path = Write("New York\tB-LOC\ncity\tO\n");

        var rows = Read(_mlContext.Data.LoadFromConllFile(path, separator: '\t'));

        Assert.Equal(["New York", "city"], rows[0].Tokens);
    }

    [Fact]
    public void LoadFromConllFile_OtherColumns_Used()
    {
        string path = Write("B-PER x Ada\nO y said\n");

        var rows = Read(_mlContext.Data.LoadFromConllFile(path, tokenColumn: -1, tagColumn: 0));

        Assert.Equal(["Ada", "said"], rows[0].Tokens);
        Assert.Equal(["B-PER", "O"], rows[0].Tags);
    }

    [Fact]
    public void LoadFromConllFile_LineWithOneColumn_ErrorNamesFileAndLine()
    {
        string path = Write("a\tO\nb\n");

        var error = Assert.Throws<InvalidDataException>(() => _mlContext.Data.LoadFromConllFile(path));

        Assert.StartsWith($"{path}:2: the line \"b\" has 1 column(s), but the token column 0 and the tag column (the last) need two distinct ones.", error.Message);
    }

    [Fact]
    public void LoadFromConllFile_TagColumnPastEnd_ErrorNamesFileAndLine()
    {
        string path = Write("a\tNN\tB-PER\nb\tO\n");

        var error = Assert.Throws<InvalidDataException>(() => _mlContext.Data.LoadFromConllFile(path, tagColumn: 2, separator: '\t'));

        Assert.StartsWith($"{path}:2: the line \"b\\tO\" has 2 column(s)", error.Message);
        Assert.Contains("separated by '\\t'", error.Message);
    }

    [Fact]
    public void LoadFromConllFile_UnknownTag_ErrorNamesFileLineAndTag()
    {
        string path = Write("a\tO\n\nb\tO\nc\tB-PER\nd\tPER\n");

        var error = Assert.Throws<InvalidDataException>(() => _mlContext.Data.LoadFromConllFile(path));

        Assert.Equal($"{path}:5: tag \"PER\" is not O nor a prefix (B, I, E or S), a hyphen and an entity type, e.g. B-PER.", error.Message);
    }

    [Fact]
    public void LoadFromConllFile_BioesTagInIob2File_ErrorSuggestsScheme()
    {
        string path = Write("a\tS-PER\n");

        var error = Assert.Throws<InvalidDataException>(() => _mlContext.Data.LoadFromConllFile(path));

        Assert.StartsWith($"{path}:1: tag \"S-PER\" has the prefix S-", error.Message);
        Assert.Contains("TagScheme.Bioes", error.Message);
    }

    [Fact]
    public void LoadFromConllFile_EmptyToken_ErrorNamesFileAndLine()
    {
        string path = Write("a\tO\n\tO\n");

        var error = Assert.Throws<InvalidDataException>(() => _mlContext.Data.LoadFromConllFile(path, separator: '\t'));

        Assert.StartsWith($"{path}:2: the line \"\\tO\" has an empty token in column 0.", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \r\n")]
    [InlineData("-DOCSTART- O\n\n-DOCSTART- O\n")]
    public void LoadFromConllFile_NoSentence_ErrorNamesFile(string content)
    {
        string path = Write(content);

        var error = Assert.Throws<InvalidDataException>(() => _mlContext.Data.LoadFromConllFile(path));

        Assert.StartsWith($"{path} holds no sentences", error.Message);
    }

    [Fact]
    public void LoadFromConllFile_MissingFile_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => _mlContext.Data.LoadFromConllFile(Path.Combine(_directory, "missing.tsv")));

    [Fact]
    public void LoadFromConllFile_SameTokenAndTagColumn_Throws() =>
        Assert.Throws<ArgumentException>("tagColumn", () => _mlContext.Data.LoadFromConllFile(Write("a O\n"), tokenColumn: 1, tagColumn: 1));

    [Fact]
    public void LoadFromConllFile_LineBreakSeparator_Throws() =>
        Assert.Throws<ArgumentException>("separator", () => _mlContext.Data.LoadFromConllFile(Write("a O\n"), separator: '\n'));

    private string Write(string content)
    {
        string path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".tsv");
        File.WriteAllText(path, content);
        return path;
    }

    private List<Sentence> Read(IDataView data) => _mlContext.Data.CreateEnumerable<Sentence>(data, reuseRowObject: false).ToList();

    private sealed class Sentence
    {
        public string[] Tokens { get; set; } = [];

        public string[] Tags { get; set; } = [];
    }
}
