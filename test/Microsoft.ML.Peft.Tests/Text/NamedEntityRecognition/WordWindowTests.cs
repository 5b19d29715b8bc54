// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class WordWindowTests
{
    [Fact]
    public void Owns_IsTheHalfOpenOwnedRange()
    {
        var window = new WordWindow(FirstWord: 2, EndWord: 8, FirstOwnedWord: 3, EndOwnedWord: 6);

        Assert.Equal(6, window.WordCount);
        Assert.Equal(new[] { 3, 4, 5 }, Enumerable.Range(0, 10).Where(window.Owns));
    }
}
