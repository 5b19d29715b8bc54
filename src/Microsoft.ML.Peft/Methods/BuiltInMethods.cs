// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.ML.Peft.Methods.Bottleneck;
using Microsoft.ML.Peft.Methods.DyLora;
using Microsoft.ML.Peft.Methods.IA3;
using Microsoft.ML.Peft.Methods.LnTuning;
using Microsoft.ML.Peft.Methods.LoHa;
using Microsoft.ML.Peft.Methods.LoKr;
using Microsoft.ML.Peft.Methods.LoLdu;
using Microsoft.ML.Peft.Methods.Lora;
using Microsoft.ML.Peft.Methods.Paca;
using Microsoft.ML.Peft.Methods.RandLora;
using Microsoft.ML.Peft.Methods.SingularValueTuning;
using Microsoft.ML.Peft.Methods.Vera;
using static Microsoft.ML.Peft.Adapters.PeftMethodRegistry;

namespace Microsoft.ML.Peft.Methods;

/// <summary>The one list of the PEFT methods this library implements, registered when the assembly loads.</summary>
internal static class BuiltInMethods
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "The built-in methods must be registered before any configuration is used, and the registry lies below the methods, so it cannot name them.")]
    internal static void RegisterAll()
    {
        // One line per method.
        Register(new LoraMethod());
        Register(new LoKrMethod());
        Register(new LoHaMethod());
        Register(new VeraMethod());
        Register(new RandLoraMethod());
        Register(new IA3Method());
        Register(new LayerNormTuningMethod());
        Register(new SingularValueTuningMethod());
        Register(new LoLduMethod());
        Register(new DyLoraMethod());
        Register(new PacaMethod());
        Register(new BottleneckMethod());
    }
}
