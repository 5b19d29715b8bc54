// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>How the learning rate falls from its peak, after warmup, to 0 at the last step.</summary>
public enum LearningRateDecay
{
    /// <summary>A straight line: Hugging Face's <c>get_linear_schedule_with_warmup</c>, the Trainer's default.</summary>
    Linear = 0,

    /// <summary>
    /// Half a cosine wave, <c>peak × ½(1 + cos(π·p))</c> with p the fraction of the post-warmup steps done: Hugging Face's
    /// <c>get_cosine_schedule_with_warmup</c>, and the schedule CLIP-SVD and GenD train with.
    /// </summary>
    Cosine = 1,
}
