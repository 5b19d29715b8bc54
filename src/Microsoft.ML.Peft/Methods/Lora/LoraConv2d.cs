// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>
/// LoRA on a <see cref="Conv2d"/> target, as PEFT's: <c>lora_A</c> is a convolution in→r with the layer's kernel, stride and
/// padding (no dilation, no groups, no bias), <c>lora_B</c> a 1×1 convolution r→out with the layer's groups, and
/// <c>y = base(x) + s·B(A(dropout(x)))</c>, or DoRA's rescaled form. In-memory names: <c>lora_A.{adapter}.weight</c>
/// (r×in×kh×kw), <c>lora_B.{adapter}.weight</c> (out×r/groups×1×1, and <c>.bias</c> with lora_bias), <c>lora_magnitude_vector.{adapter}</c>
/// (1×out×1×1). ΔW = s·(B·A) over the flattened kernel.
/// </summary>
internal sealed class LoraConv2d : LoraLayer
{
    private readonly Conv2d _baseConv;
    private readonly AdapterModuleDict<Conv2d> _loraA = new();
    private readonly AdapterModuleDict<Conv2d> _loraB = new();
    private readonly AdapterParameterDict _magnitude = new();
    private readonly Dictionary<string, ILoraConv2dVariant> _variants = new(StringComparer.Ordinal);

    internal LoraConv2d(string modulePath, Conv2d target)
        : base(nameof(LoraConv2d), modulePath, target)
    {
        _baseConv = target;
        Geometry = ConvGeometry.Of(modulePath, target, LoraMethod.PeftTypeName);

        // PEFT builds lora_A without the layer's dilation, so on a dilated kernel its output would not line up with the layer's.
        if (!Geometry.IsPointwise && Geometry.Dilation.Any(d => d != 1))
        {
            throw new NotSupportedException(
                $"LORA cannot adapt Conv2d module '{modulePath}' with dilation ({Geometry.Dilation[0]}, {Geometry.Dilation[1]}): PEFT's lora_A "
                + "convolution has no dilation, so its output would not match the layer's. LoKr and LoHa adapt dilated convolutions.");
        }

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("lora_A", _loraA);
        register_module("lora_B", _loraB);
        register_module("lora_magnitude_vector", _magnitude);
    }

    internal ConvGeometry Geometry { get; }

    internal override Tensor BaseWeight => _baseConv.weight;

    internal override Tensor? BaseBias => _baseConv.bias;

    internal Conv2d A(string adapterName) => _loraA[adapterName];

    internal Conv2d B(string adapterName) => _loraB[adapterName];

    internal Parameter Magnitude(string adapterName) => _magnitude[adapterName];

    /// <summary>A as r×(in·kh·kw) and B as out×(r/groups): views of the kernels, in the layout the linear layer has.</summary>
    internal override (Tensor A, Tensor B) Factors(string adapterName) => (A(adapterName).weight.flatten(1), B(adapterName).weight.flatten(1));

    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        var type = ComputeType(BaseWeight.dtype);
        return Delta(adapterName, type).to(BaseWeight.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>s·B·A reshaped to the kernel (out, in, kh, kw), in <paramref name="type"/>; only for groups = 1.</summary>
    internal Tensor Delta(string adapterName, ScalarType type)
    {
        RefuseGroupedMerge();
        var a = A(adapterName).weight.to(type);
        var b = B(adapterName).weight.to(type);
        var product = b.flatten(1).matmul(a.flatten(1)) * Settings(adapterName).Scaling;
        return product.view(BaseWeight.shape);
    }

    /// <summary>‖W‖ per output channel, shaped 1×out×1×1 as PEFT's DoRA magnitude on a convolution.</summary>
    internal static Tensor ChannelNorm(Tensor kernel) =>
        linalg.vector_norm(kernel, 2, new long[] { 1, 2, 3 }, keepdim: true).transpose(0, 1);

    protected override void CreateAdapter(string adapterName, LoraAdapterSettings settings)
    {
        CheckSettings(settings);
        var device = BaseWeight.device;
        var type = BaseWeight.dtype;
        var g = Geometry;
        var a = ScopedModules.Create(() => nn.Conv2d(
            g.InChannels, settings.Rank, (g.Kernel[0], g.Kernel[1]), stride: (g.Stride[0], g.Stride[1]), padding: (g.Padding[0], g.Padding[1]),
            bias: false, device: device, dtype: type));
        var b = ScopedModules.Create(() => nn.Conv2d(
            settings.Rank, g.OutChannels, (1, 1), groups: g.Groups, bias: settings.UseLoraBias, device: device, dtype: type));
        Initialize(a, b, settings);
        _loraA.Add(adapterName, a);
        _loraB.Add(adapterName, b);
        _variants[adapterName] = settings.UseDora ? DoraConv2dVariant.Instance : PlainLoraConv2dVariant.Instance;
        if (settings.UseDora)
        {
            // m starts as the channel norm of W + s·ΔW, computed in the kernel's own dtype, as in PEFT.
            using var noGrad = no_grad();
            var delta = b.weight.flatten(1).matmul(a.weight.flatten(1)).view(BaseWeight.shape) * settings.Scaling;
            _magnitude.Add(adapterName, new Parameter(ChannelNorm(BaseWeight + delta).detach().clone(), requires_grad: true));
        }
    }

    protected override void RemoveAdapter(string adapterName)
    {
        _loraA.Remove(adapterName);
        _loraB.Remove(adapterName);
        if (_magnitude.Contains(adapterName))
        {
            _magnitude.Remove(adapterName);
        }

        _variants.Remove(adapterName);
    }

    // PEFT refuses to merge a grouped convolution (its ΔW would need a block-diagonal A).
    protected override void CheckMerge(IReadOnlyList<string> adapterNames) => RefuseGroupedMerge();

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var a = A(adapter);
            var x = input.dtype == a.weight.dtype ? input : input.to(a.weight.dtype);
            result = _variants[adapter].Forward(this, adapter, x, result, training);
        }

        return result.dtype == baseOutput.dtype ? result : result.to(baseOutput.dtype);
    }

    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName) =>
        _variants[adapterName].Merge(this, adapterName, weight, bias);

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState) =>
        _variants[adapterName].Unmerge(this, adapterName, weight, bias, unmergeState);

    private void CheckSettings(LoraAdapterSettings settings)
    {
        if (settings.Rank % Geometry.Groups != 0)
        {
            throw new NotSupportedException(
                $"LORA on Conv2d module '{ModulePath}' with groups = {Geometry.Groups} needs a rank divisible by the groups, got r = {settings.Rank}; "
                + "choose another `Rank` (or a `RankPattern` entry for this module), as PEFT requires.");
        }

        if (settings.Initialization is LoraInitialization.PiSSA or LoraInitialization.OLoRA)
        {
            throw new NotSupportedException(
                $"LORA initialization {settings.Initialization} decomposes a weight matrix and is not defined for Conv2d module '{ModulePath}' "
                + "(PEFT refuses it too); use the default, gaussian or random initialization.");
        }

        if (settings.UseLoraBias && BaseBias is null)
        {
            throw new InvalidOperationException($"`{nameof(LoraConfig.UseLoraBias)}` needs a bias on the target, but '{ModulePath}' has none.");
        }
    }

    private void RefuseGroupedMerge()
    {
        if (Geometry.Groups > 1)
        {
            throw new NotSupportedException(
                $"LORA on Conv2d module '{ModulePath}' with groups = {Geometry.Groups} cannot be merged (PEFT does not merge grouped convolutions either); use the adapter unmerged.");
        }
    }

    private static void Initialize(Conv2d a, Conv2d b, LoraAdapterSettings settings)
    {
        using var noGrad = no_grad();
        switch (settings.Initialization)
        {
            case LoraInitialization.Default:
                AdapterInitialization.KaimingUniformSqrt5(a.weight);
                b.weight.zero_();
                b.bias?.zero_();
                break;
            case LoraInitialization.Gaussian:
                LoraInitializer.Gaussian(a.weight, settings.Rank);
                b.weight.zero_();
                b.bias?.zero_();
                break;
            case LoraInitialization.Random:
                // nn.Conv2d's own Kaiming-uniform initialization of both kernels, as PEFT's init_lora_weights=False.
                break;
            default:
                throw new NotSupportedException($"LoRA initialization {settings.Initialization} is not supported on Conv2d.");
        }
    }
}
