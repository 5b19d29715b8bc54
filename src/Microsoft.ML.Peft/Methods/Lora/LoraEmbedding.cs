// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>
/// LoRA on an <see cref="Embedding"/> target: <c>y = E[x] + s·Aᵀ[x]·Bᵀ</c> with A (r×num_embeddings) and
/// B (dim×r), so ΔE = s·(B·A)ᵀ. Tensors are raw parameters named <c>lora_embedding_A.{adapter}</c> and
/// <c>lora_embedding_B.{adapter}</c>, as in PEFT. A starts at zero and B from N(0, 1), the reverse of the linear case.
/// With DoRA the magnitude has one entry per embedding dimension and rescales the columns of E + ΔE.
/// </summary>
internal sealed class LoraEmbedding : LoraLayer
{
    private readonly Embedding _baseEmbedding;
    private readonly AdapterParameterDict _embeddingA = new();
    private readonly AdapterParameterDict _embeddingB = new();
    private readonly AdapterParameterDict _magnitude = new();

    internal LoraEmbedding(string modulePath, Embedding target)
        : base(nameof(LoraEmbedding), modulePath, target)
    {
        _baseEmbedding = target;
        register_module("lora_embedding_A", _embeddingA);
        register_module("lora_embedding_B", _embeddingB);
        register_module("lora_magnitude_vector", _magnitude);
    }

    // TorchSharp's Embedding returns a new handle to the same storage on every access; callers hold a dispose scope.
    internal override Tensor BaseWeight => _baseEmbedding.weight!;

    internal override Tensor? BaseBias => null;

    internal override (Tensor A, Tensor B) Factors(string adapterName) => (_embeddingA[adapterName], _embeddingB[adapterName]);

    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        var weight = BaseWeight;
        return Delta(adapterName, ComputeType(weight.dtype)).to(weight.dtype).MoveToOuterDisposeScope();
    }

    protected override void CreateAdapter(string adapterName, LoraAdapterSettings settings)
    {
        var weight = BaseWeight;
        long count = weight.shape[0];
        long dim = weight.shape[1];
        Tensor a, b;
        if (settings.Initialization == LoraInitialization.Random)
        {
            a = randn(new long[] { settings.Rank, count }, dtype: weight.dtype, device: weight.device);
            b = randn(new long[] { dim, settings.Rank }, dtype: weight.dtype, device: weight.device);
        }
        else
        {
            // PEFT initializes embedding adapters this way for every truthy init_lora_weights, PiSSA and OLoRA included.
            a = zeros(new long[] { settings.Rank, count }, dtype: weight.dtype, device: weight.device);
            b = randn(new long[] { dim, settings.Rank }, dtype: weight.dtype, device: weight.device);
        }

        _embeddingA.Add(adapterName, new Parameter(a, requires_grad: true));
        _embeddingB.Add(adapterName, new Parameter(b, requires_grad: true));
        if (settings.UseDora)
        {
            using var noGrad = no_grad();
            var delta = (_embeddingB[adapterName].matmul(_embeddingA[adapterName]) * settings.Scaling).t();
            var norm = ColumnNorm(weight + delta);
            _magnitude.Add(adapterName, new Parameter(norm.detach().clone(), requires_grad: true));
        }
    }

    protected override void RemoveAdapter(string adapterName)
    {
        _embeddingA.Remove(adapterName);
        _embeddingB.Remove(adapterName);
        if (_magnitude.Contains(adapterName))
        {
            _magnitude.Remove(adapterName);
        }
    }

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var settings = Settings(adapter);
            var a = _embeddingA[adapter];
            var b = _embeddingB[adapter];
            var afterA = Lookup(a.t(), input);
            var update = afterA.matmul(b.t()) * settings.Scaling;
            if (settings.UseDora)
            {
                var weight = BaseWeight.to(a.dtype);
                var norm = ColumnNorm(weight + (b.matmul(a) * settings.Scaling).t().detach()).detach();
                var scale = _magnitude[adapter] / norm;
                result = scale * result + scale * update;
            }
            else
            {
                result = result + update;
            }
        }

        return result.dtype == baseOutput.dtype ? result : result.to(baseOutput.dtype);
    }

    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName)
    {
        var combined = weight + Delta(adapterName, weight.dtype);
        if (!Settings(adapterName).UseDora)
        {
            return (combined, bias, null);
        }

        var norm = ColumnNorm(combined).detach();
        var factor = (_magnitude[adapterName].to(weight.dtype) / norm).view(1, -1);
        return (factor * combined, bias, norm);
    }

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState)
    {
        var type = ComputeType(weight.dtype);
        var restored = weight.to(type);
        if (Settings(adapterName).UseDora)
        {
            var factor = (_magnitude[adapterName].to(type) / unmergeState!.to(type)).view(1, -1);
            restored = restored / factor;
        }

        weight.copy_(restored - Delta(adapterName, type));
    }

    private static Tensor ColumnNorm(Tensor matrix) => linalg.vector_norm(matrix, 2, new long[] { 0 });

    private static Tensor Lookup(Tensor table, Tensor ids)
    {
        var flat = table.index_select(0, ids.reshape(-1));
        var shape = ids.shape.Append(table.shape[1]).ToArray();
        return flat.view(shape);
    }

    private Tensor Delta(string adapterName, ScalarType type) =>
        (_embeddingB[adapterName].to(type).matmul(_embeddingA[adapterName].to(type)) * Settings(adapterName).Scaling).t();
}
