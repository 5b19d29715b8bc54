// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Matmul FLOPs of one BertForSequenceClassification training step, counted analytically (a multiply-add is 2 FLOPs).
/// </summary>
/// <remarks>
/// With B rows, S tokens per row, T = B·S tokens, L layers, hidden H, intermediate I, C labels, LoRA rank r on n_t targets:
/// <code>
/// linear forward  F_lin  = 2·( L·(4H² + 2HI)·T          q, k, v, attention.output.dense, intermediate, output (every token)
///                            + (H² + HC)·B             pooler and classifier (the [CLS] row only)
///                            + n_t·r·(H + H)·T )       LoRA A (r×H) and B (H×r) of each target, LoRA only
/// attention       F_att  = L · 2 · (2·B·S²·H)          Q·Kᵀ scores and P·V context, all heads together
/// forward         F      = F_lin + F_att
/// backward        F_lin                                 gradients of every linear layer's input (activations)
///               + 2·F_att                               both operands of the attention matmuls are activations
///               + F_lin(trainable)                      weight gradients, only for layers that train:
///                                                       full: every linear layer; LoRA: A, B, classifier (+ pooler when trained)
/// step            F + backward  =  full: 3·F_lin + 3·F_att;  LoRA: 2·F_lin + 3·F_att + F_lin(trainable)
/// </code>
/// Not counted: embedding lookups, softmax, LayerNorm, GELU, dropout, residual additions and the AdamW update
/// (memory-bound element-wise work), so the achieved GFLOP/s is "useful matmul work per second", comparable with a plain
/// matmul's GFLOP/s. For LoRA the count is slightly high: layer 0's frozen key projection and the inputs of layer 0 need no
/// gradient, which autograd skips (about 1% of a BERT-base LoRA step).
/// </remarks>
internal static class StepFlops
{
    /// <param name="config">The encoder's shape.</param>
    /// <param name="batch">B.</param>
    /// <param name="time">S.</param>
    /// <param name="loraTargets">n_t, the number of adapted H→H linear layers; 0 for full fine-tuning.</param>
    /// <param name="rank">r.</param>
    /// <param name="poolerTrains">Whether the pooler's weight gets gradients (full fine-tuning, or LoRA with the pooler in modules_to_save).</param>
    /// <returns>Forward FLOPs and FLOPs of the whole step.</returns>
    internal static (double Forward, double Step) Training(BertConfig config, int batch, int time, int loraTargets, int rank, bool poolerTrains)
    {
        double h = config.HiddenSize;
        double tokens = (double)batch * time;
        double encoder = 2 * config.NumHiddenLayers * (4 * h * h + 2 * h * config.IntermediateSize) * tokens;
        double pooler = 2 * h * h * batch;
        double classifier = 2 * h * BenchmarkBackbone.LabelCount * batch;
        double lora = 2 * loraTargets * rank * (h + h) * tokens;
        double linear = encoder + pooler + classifier + lora;
        double attention = config.NumHiddenLayers * 2 * (2 * batch * (double)time * time * h);

        bool full = loraTargets == 0;
        double trainableLinear = full ? linear : lora + classifier + (poolerTrains ? pooler : 0);
        double forward = linear + attention;
        double backward = linear + 2 * attention + trainableLinear;
        return (forward, forward + backward);
    }
}
