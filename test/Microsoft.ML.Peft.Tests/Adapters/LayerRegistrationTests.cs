// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Methods.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Adapters;

/// <summary>
/// A method's layers for a module type it did not know, registered from outside the method (as the Vision assembly adds
/// LoRA on Conv2d): injection, training, saving and loading work through the registered factory alone.
/// </summary>
public sealed class LayerRegistrationTests : IDisposable
{
    // The registry is process-wide and a module type has one factory per method, so the factory is added once.
    private static readonly Lazy<PeftMethod> s_loraWithGatedProjection = new(() =>
    {
        var lora = PeftMethodRegistry.ForPeftType(LoraMethod.PeftTypeName);
        lora.RegisterLayer<GatedProjection>((path, module) => new LoraLinear(path, module.Projection));
        return lora;
    });

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-layers-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void RegisterLayer_NewModuleType_IsAdaptedTrainedSavedAndLoaded()
    {
        using var scope = NewDisposeScope();
        var lora = s_loraWithGatedProjection.Value;
        manual_seed(3);
        using var model = new GatedModel();
        var input = randn(5, 4);
        var baseOutput = model.call(input).detach();

        using (var peft = PeftModel.Create(model, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ModuleSelector.FromNames("gate") }))
        {
            Assert.Equal(new[] { "gate" }, peft.GetTargetModules("default"));
            Assert.Contains(nameof(GatedProjection), lora.SupportedModuleTypes, StringComparison.Ordinal);

            using var optimizer = optim.AdamW(peft.GetTrainableParameters(), lr: 0.1);
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(input), ones(5, 3)).backward();
            optimizer.step();
            Assert.False(model.call(input).allclose(baseOutput));

            peft.SaveAdapter(_directory);
        }

        Assert.True(model.call(input).allclose(baseOutput));
        using var loaded = PeftModel.FromPretrained(model, _directory);
        var trained = model.call(input).detach();
        Assert.False(trained.allclose(baseOutput));
        Assert.Equal(new[] { "gate" }, loaded.GetTargetModules("default"));
    }

    [Fact]
    public void RegisterLayer_DerivedModuleType_UsesTheFactoryOfItsBaseType()
    {
        var lora = s_loraWithGatedProjection.Value;

        using var derived = new ClampedGatedProjection(4, 3);

        Assert.True(lora.CanAdapt(derived));
    }

    [Fact]
    public void RegisterLayer_TypeThatAlreadyHasALayer_IsRejected()
    {
        var lora = s_loraWithGatedProjection.Value;

        var error = Assert.Throws<InvalidOperationException>(() => lora.RegisterLayer<Linear>((path, linear) => new LoraLinear(path, linear)));

        Assert.Contains("TorchSharp.Modules.Linear", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ModuleTypeNoFactoryCovers_SaysWhichTypesAreSupported()
    {
        _ = s_loraWithGatedProjection.Value;
        using var model = nn.Sequential(("odd", new UncoveredModule()), ("head", nn.Linear(4, 2)));

        var error = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, new LoraConfig { TargetModules = ModuleSelector.FromNames("odd") }));

        Assert.Contains("'odd'", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(UncoveredModule), error.Message, StringComparison.Ordinal);
        Assert.Contains("TorchSharp.Modules.Linear", error.Message, StringComparison.Ordinal);
        Assert.Contains("TorchSharp.Modules.Embedding", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A module type LoRA does not know: a projection followed by a sigmoid gate on its own output.</summary>
    private class GatedProjection : nn.Module<Tensor, Tensor>
    {
        internal GatedProjection(int inFeatures, int outFeatures)
            : base(nameof(GatedProjection))
        {
            Projection = nn.Linear(inFeatures, outFeatures);
            register_module("proj", Projection);
        }

        internal Linear Projection { get; }

        public override Tensor forward(Tensor input)
        {
            var projected = Projection.call(input);
            return projected * sigmoid(projected);
        }
    }

    private sealed class ClampedGatedProjection(int inFeatures, int outFeatures) : GatedProjection(inFeatures, outFeatures);

    private sealed class UncoveredModule : nn.Module<Tensor, Tensor>
    {
        internal UncoveredModule()
            : base(nameof(UncoveredModule))
        {
        }

        public override Tensor forward(Tensor input) => input;
    }

    private sealed class GatedModel : nn.Module<Tensor, Tensor>
    {
        private readonly GatedProjection _gate = new(4, 6);
        private readonly Linear _head = nn.Linear(6, 3);

        internal GatedModel()
            : base(nameof(GatedModel))
        {
            register_module("gate", _gate);
            register_module("head", _head);
        }

        public override Tensor forward(Tensor input) => _head.call(_gate.call(input));
    }
}
