// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones;

public sealed class MultiHeadAttentionTests
{
    private const int Heads = 2;

    [Fact]
    public void Inference_EqualsSoftmaxOfScaledScoresPlusMask_PerHead()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Projections(seed: 3);
        var mask = AttentionMask.Additive(tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, 2, 5), ScalarType.Float32);

        var attended = MultiHeadAttention.Attend(q, k, v, Heads, mask, dropout: 0.1, training: false);

        Assert.Equal(new long[] { 2, 5, 8 }, attended.shape);
        Assert.True(attended.allclose(Reference(q, k, v, mask), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Inference_IgnoresPaddedKeysAndValues()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Projections(seed: 4);
        var mask = AttentionMask.Additive(tensor(new long[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1 }, 2, 5), ScalarType.Float32);
        var changed = v.clone();
        changed[0, 3] = full(8, 100f);
        var changedKeys = k.clone();
        changedKeys[0, 4] = full(8, -50f);

        var attended = MultiHeadAttention.Attend(q, k, v, Heads, mask, 0, training: false);
        var again = MultiHeadAttention.Attend(q, changedKeys, changed, Heads, mask, 0, training: false);

        Assert.True(attended.allclose(again, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Training_WithoutDropout_EqualsInference_AndPassesGradientsToEveryProjection()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Projections(seed: 5);
        foreach (var x in new[] { q, k, v })
        {
            x.requires_grad_(true);
        }

        var trained = MultiHeadAttention.Attend(q, k, v, Heads, additiveMask: null, dropout: 0, training: true);
        trained.pow(2).sum().backward();

        Assert.True(trained.detach().allclose(Reference(q.detach(), k.detach(), v.detach(), mask: null), rtol: 1e-5, atol: 1e-6));
        Assert.All(new[] { q, k, v }, x => Assert.True(x.grad is { } g && g.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void Training_WithDropout_DropsProbabilities_ReproduciblyUnderTheSameSeed()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Projections(seed: 6);

        manual_seed(11);
        var first = MultiHeadAttention.Attend(q, k, v, Heads, null, dropout: 0.5, training: true);
        manual_seed(11);
        var second = MultiHeadAttention.Attend(q, k, v, Heads, null, dropout: 0.5, training: true);
        var inference = MultiHeadAttention.Attend(q, k, v, Heads, null, dropout: 0.5, training: false);

        Assert.True(first.allclose(second, rtol: 0, atol: 0));
        Assert.False(first.allclose(inference, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void Attend_LeavesOnlyItsResultInTheCallersScope()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Projections(seed: 7);
        int before = scope.DisposablesCount;

        MultiHeadAttention.Attend(q, k, v, Heads, null, dropout: 0.1, training: true);
        MultiHeadAttention.Attend(q, k, v, Heads, null, dropout: 0.1, training: false);

        Assert.Equal(before + 2, scope.DisposablesCount);
    }

    private static (Tensor Q, Tensor K, Tensor V) Projections(int seed)
    {
        manual_seed(seed);
        return (randn(2, 5, 8), randn(2, 5, 8), randn(2, 5, 8));
    }

    // The eager formula, head by head: softmax(q·kᵀ/√d + mask)·v.
    private static Tensor Reference(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        Tensor Split(Tensor x) => x.view(2, 5, Heads, 4).transpose(1, 2);
        var scores = Split(q).matmul(Split(k).transpose(-1, -2)) / Math.Sqrt(4);
        if (mask is not null)
        {
            scores = scores + mask;
        }

        return scores.softmax(-1).matmul(Split(v)).transpose(1, 2).reshape(2, 5, 8);
    }
}
