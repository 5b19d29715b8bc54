// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Search;

namespace Microsoft.ML.Peft.Tests.Search;

/// <summary>The tuners without models: what they propose, in which order, and what successive halving continues.</summary>
public sealed class SuccessiveHalvingTunerTests
{

    private static PeftSearchSpace Space(int ranks, int rates)
    {
        var space = new PeftSearchSpace { LearningRateGridPoints = rates, MinLearningRate = 1e-4, MaxLearningRate = 1e-2 };
        space.Ranks.Clear();
        for (int r = 1; r <= ranks; r++)
        {
            space.Ranks.Add(r);
        }

        return space;
    }

    [Fact]
    public void Asha_NineTrialsEtaThree_ContinuesTheBestThirdThenTheBestOfThose_AsSoonAsARungHasEnoughResults()
    {
        var tuner = new SuccessiveHalvingTuner(Space(3, 3), seed: 5, reductionFactor: 3, rungs: 3);
        Assert.Equal(new[] { 1 / 9.0, 1 / 3.0, 1.0 }, tuner.Fractions.Select(f => Math.Round(f, 12)).ToArray(), new ToleranceComparer());

        // The metric of a trial is 1 - id / 10 at every rung, so earlier trials are better.
        var log = new List<(int Trial, int Rung)>();
        for (var request = tuner.Next(true); request is not null; request = tuner.Next(true))
        {
            log.Add((request.TrialId, request.Rung));
            tuner.Report(request, 1 - (request.TrialId / 10.0));
        }

        // Trials 1-3 at rung 0; then the best of three (1) continues before trial 4 starts (asynchronous promotion); 2 continues
        // once six are measured, 3 once nine are, and then the best of rung 1 trains the whole schedule.
        Assert.Equal(new[] { (1, 0), (2, 0), (3, 0), (1, 1), (4, 0), (5, 0), (6, 0), (2, 1), (7, 0), (8, 0), (9, 0), (3, 1), (1, 2) }, log);
        Assert.Equal(9, log.Count(l => l.Rung == 0));
        Assert.Equal(3, log.Count(l => l.Rung == 1));
        Assert.Equal(1, log.Count(l => l.Rung == 2));

    }

    [Fact]
    public void Asha_SeesExactlyTheGridsPoints_InASeededOrder()
    {
        var grid = SearchPoints.Grid(Space(3, 3)).Select(p => p.Key).ToHashSet();
        var first = Proposed(new SuccessiveHalvingTuner(Space(3, 3), seed: 1, 3, 3));
        var again = Proposed(new SuccessiveHalvingTuner(Space(3, 3), seed: 1, 3, 3));
        var other = Proposed(new SuccessiveHalvingTuner(Space(3, 3), seed: 2, 3, 3));

        Assert.Equal(grid, first.ToHashSet());
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Asha_WithoutTrialBudget_OnlyContinuesStartedTrials()
    {
        var tuner = new SuccessiveHalvingTuner(Space(3, 1), seed: 1, 3, 2);
        for (int i = 0; i < 3; i++)
        {
            var request = tuner.Next(true)!;
            tuner.Report(request, request.TrialId);
        }

        var continued = tuner.Next(mayStartNew: false);
        Assert.NotNull(continued);
        Assert.False(continued!.IsNew);
        Assert.Equal(1.0, continued.ScheduleFraction);
        tuner.Report(continued, 1);
        Assert.Null(tuner.Next(mayStartNew: false));
    }

    [Fact]
    public void Grid_SkipsPointsThatTrainTheSameThing()
    {
        var space = Space(3, 2);
        space.Methods.Add(new IA3Config());

        var grid = SearchPoints.Grid(space);

        // LoRA: 3 ranks × 2 rates; (IA)³ has no rank, alpha or dropout: 2 rates only.
        Assert.Equal(8, grid.Count);
        Assert.Equal(2, grid.Count(p => p.Template is IA3Config));
        Assert.All(grid.Where(p => p.Template is IA3Config), p => Assert.Null(p.Rank));
        Assert.Equal(grid.Count, grid.Select(p => p.Key).Distinct().Count());
    }

    [Fact]
    public void Grid_LearningRatesAreLogSpacedInclusive_AndOnePointIsTheGeometricMean()
    {
        Assert.Equal(new[] { 1e-4, 1e-3, 1e-2 }, Space(1, 3).GridLearningRates(), new ToleranceComparer());
        Assert.Equal(new[] { 1e-3 }, Space(1, 1).GridLearningRates(), new ToleranceComparer());
    }

    [Fact]
    public void Point_BuildsTheMethodWithItsSettings_AndLeavesTheTemplateAlone()
    {
        var template = new LoraConfig { UseDora = true };
        var point = SearchPoint.Create(0, template, rank: 4, alphaRankRatio: 2, dropout: 0.05, targets: new[] { "query", "key" }, learningRate: 1e-3);

        var method = Assert.IsType<LoraConfig>(point.BuildMethod());

        Assert.Equal((4, 8.0, 0.05, true), (method.Rank, method.Alpha, method.Dropout, method.UseDora));
        Assert.Equal(new[] { "query", "key" }, method.TargetModules!.Names);
        Assert.Equal(LoraConfig.Defaults.Rank, template.Rank);
        Assert.Equal(point.TrialSeed(3), SearchPoint.Create(0, new LoraConfig(), 4, 2, 0.05, new[] { "query", "key" }, 1e-3).TrialSeed(3));
    }

    [Fact]
    public void Random_DrawsWithinTheSpace_SeededAndWithoutRepeats()
    {
        var space = Space(4, 3);
        var first = Proposed(new RandomTuner(space, seed: 3, plannedTrials: 6), 6);
        var again = Proposed(new RandomTuner(space, seed: 3, plannedTrials: 6), 6);

        Assert.Equal(first, again);
        Assert.Equal(6, first.Distinct().Count());
        var tuner = new RandomTuner(space, seed: 3, plannedTrials: 6);
        for (int i = 0; i < 20; i++)
        {
            var request = tuner.Next(true)!;
            Assert.InRange(request.Point.LearningRate, 1e-4, 1e-2);
            Assert.Contains(request.Point.Rank!.Value, space.Ranks);
        }
    }

    [Fact]
    public void Pareto_KeepsOnlyTrialsNoOtherBeatsOnMetricAndParameters()
    {
        PeftTrialResult Trial(int id, double metric, long parameters) =>
            new(id, new LoraConfig(), 1e-3) { Metric = metric, TrainableParameters = parameters };
        var trials = new[] { Trial(1, 0.90, 100), Trial(2, 0.95, 200), Trial(3, 0.93, 300), Trial(4, 0.80, 100), Trial(5, double.NaN, 10) };

        var front = ParetoFront.Of(trials);

        Assert.Equal(new[] { 1, 2 }, front.Select(t => t.TrialId).ToArray());
    }

    private static List<string> Proposed(ITrialTuner tuner, int count = int.MaxValue)
    {
        var keys = new List<string>();
        for (var request = tuner.Next(true); request is not null && keys.Count < count; request = tuner.Next(true))
        {
            if (request.IsNew)
            {
                keys.Add(request.Point.Key);
            }

            tuner.Report(request, 0.5);
        }

        return keys;
    }

    private sealed class ToleranceComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= 1e-12 * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
