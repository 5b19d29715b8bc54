// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.RandLora;

/// <summary>The settings of one RandLoRA adapter on one layer; <paramref name="Scaling"/> is randlora_alpha / r.</summary>
internal sealed record RandLoraAdapterSettings(int Rank, double Scaling, double Dropout, bool InitWeights);
