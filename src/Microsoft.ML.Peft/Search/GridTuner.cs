// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Search;

/// <summary>Every point of the grid in order, each for the whole schedule.</summary>
internal sealed class GridTuner : ITrialTuner
{
    private readonly IReadOnlyList<SearchPoint> _points;
    private int _next;

    internal GridTuner(PeftSearchSpace space) => _points = SearchPoints.Grid(space);

    public int PlannedTrials => _points.Count;

    public TrialRequest? Next(bool mayStartNew) =>
        mayStartNew && _next < _points.Count ? new TrialRequest(_next + 1, _points[_next++], 1, 0, IsNew: true) : null;

    public void Report(TrialRequest request, double metric)
    {
        // The grid's order does not depend on results.
    }
}
