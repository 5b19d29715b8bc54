// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.Vera;

/// <summary>The settings of one VeRA adapter on one layer.</summary>
internal sealed record VeraAdapterSettings(int Rank, double Dropout, double DInitial, bool InitWeights);
