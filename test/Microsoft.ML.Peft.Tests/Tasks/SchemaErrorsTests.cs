// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Tasks;

/// <summary>Schema errors in ML.NET's wording: the role, the column, what was expected, what was found, and the fix.</summary>
public sealed class SchemaErrorsTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void Find_MissingColumn_NamesTheRoleTheColumnsThatExistAndTheOption()
    {
        var shape = SchemaShapes.Of(Data().Schema);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaErrors.Find(shape, "Label", "Class"));

        Assert.Contains("Label column 'Class' not found. The data has the columns: 'Text', 'Number'", error.Message);
        Assert.Contains("Set the label column name option", error.Message);
    }

    [Fact]
    public void FindText_NumberColumn_SaysExpectedAndActualAndTheFix()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaErrors.FindText(SchemaShapes.Of(Data().Schema), "Text", "Number"));

        Assert.Contains("Schema mismatch for text column 'Number': expected String, got Single.", error.Message);
        Assert.Contains("ConvertType", error.Message);
    }

    [Fact]
    public void FindClassifierLabel_TextColumn_SaysKeyOrBooleanAndToMapValueToKey()
    {
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaErrors.FindClassifierLabel(SchemaShapes.Of(Data().Schema), "Text"));
        var schemaError = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaErrors.FindClassifierLabel(Data().Schema, "Text"));

        foreach (var error in new[] { shapeError, schemaError })
        {
            Assert.Contains("Schema mismatch for label column 'Text': expected Key (MapValueToKey) for multiclass or Boolean for binary, got String.", error.Message);
            Assert.Contains("MapValueToKey(\"Text\")", error.Message);
        }
    }

    private IDataView Data() => _ml.Data.LoadFromEnumerable(new[] { new Row { Text = "a", Number = 1 } });

    private sealed class Row
    {
        public string Text { get; set; } = string.Empty;

        public float Number { get; set; }
    }
}
