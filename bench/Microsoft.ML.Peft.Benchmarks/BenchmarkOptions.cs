// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>Command-line settings. The parent passes them on to every child process unchanged.</summary>
internal sealed class BenchmarkOptions
{
    internal const string Usage = """
        Microsoft.ML.Peft benchmarks: training step time, peak memory, FLOP efficiency, inference latency, dynamic padding.

        Usage: dotnet run -c Release --project bench/Microsoft.ML.Peft.Benchmarks -- [options]

          --output PATH          write the markdown report (table + raw JSON) there; it is always printed
          --backbones LIST       comma-separated: bert-base, minilm, resnet18, vit-b16 (default: bert-base,minilm);
                                 the image backbones measure the training section only, on 224 × 224 images
          --sections LIST        comma-separated: training, inference, padding, paca, mixed-adapters
                                 (default: training,inference,padding); paca compares peak RSS of LoRA r vs PaCA 2r
                                 (same trainable count), dropout 0; or `methods` alone: the PEFT-method comparison on
                                 SMS spam with the estimator; or `memory` alone: the resident memory of the main job,
                                 phase by phase, of repeated scoring, and PredictionEngine latency; or `pytorch`
                                 alone: bert-base against a PyTorch counterpart (pytorch/bert_step.py), alternating
          --methods LIST         methods to compare (default: all; see MethodCatalog.cs)
          --epochs N             training epochs per method in the comparison (default 1)
          --batch N              rows per batch (default 8)
          --seq N                sequence length, and the pad-to-max length (default 128)
          --warmup N             unmeasured steps before each measurement (default 1)
          --steps N              measured training steps; the median is reported (default 5)
          --infer-steps N        measured inference forward passes (default 10)
          --padding-steps N      measured training steps per padding mode (default 6)
          --matmul-size N        square fp32 matmul size for the reference GFLOP/s (default 2048)
          --matmul-reps N        measured matmuls, at the start and at the end of the run (default 10)
          --adapters N           LoRA adapters served by the mixed-adapters section (default 4)
          --rank N               LoRA rank (default 8)
          --alpha X              LoRA alpha (default 16)
          --lora-dropout X       LoRA dropout (default 0.1, as the sample; PEFT's default is 0)
          --scoring-passes N     Transform passes over 1,000 rows in the memory section (default 20)
          --seed N               seed of weights, inputs and batch order (default 1)
          --rounds N             rounds of the pytorch section, each running every configuration on both sides (default 3)
          --python PATH          the interpreter with torch for the pytorch section (default /usr/bin/python3, Debian's
                                 python3-torch: apt-get install python3-torch libopenblas0-openmp)
          --threads N            libtorch intra-op threads of every child (default: libtorch's; 2 in the pytorch section,
                                 on both sides)
          --help                 this text
        """;

    internal string? Output { get; private set; }

    internal IReadOnlyList<string> Backbones { get; private set; } = BenchmarkBackbone.Names;

    internal IReadOnlyList<string> Sections { get; private set; } = DefaultSections;

    internal int Batch { get; private set; } = 8;

    internal int SequenceLength { get; private set; } = 128;

    internal int Warmup { get; private set; } = 1;

    internal int Steps { get; private set; } = 5;

    internal int InferenceSteps { get; private set; } = 10;

    internal int PaddingSteps { get; private set; } = 6;

    internal int MatmulSize { get; private set; } = 2048;

    internal int MatmulReps { get; private set; } = 10;

    /// <summary>How many LoRA adapters the mixed-adapters section serves at once.</summary>
    internal int Adapters { get; private set; } = 4;

    internal int Rank { get; private set; } = 8;

    internal double Alpha { get; private set; } = 16;

    /// <summary>LoRA dropout; 0.1 as in the text-classification sample (PEFT's own default is 0).</summary>
    internal double LoraDropout { get; private set; } = 0.1;

    internal int Seed { get; private set; } = 1;

    /// <summary>Rounds of the PyTorch comparison; every round runs each configuration once on each side.</summary>
    internal int Rounds { get; private set; } = 3;

    /// <summary>The interpreter the PyTorch comparison runs its script with: Debian's python3-torch lives under /usr/bin/python3.</summary>
    internal string Python { get; private set; } = "/usr/bin/python3";

    /// <summary>libtorch's intra-op threads in the children; null leaves libtorch's default.</summary>
    internal int? Threads { get; private set; }

    /// <summary>Hidden and attention dropout of the bert-base children; the PyTorch comparison's loss check sets 0.</summary>
    internal double HiddenDropout { get; private set; } = 0.1;

    /// <summary>A folder of weights, LoRA A matrices and batch written by the PyTorch script, which a child loads instead of drawing its own.</summary>
    internal string? Shared { get; private set; }

    /// <summary>The methods the comparison trains, in order.</summary>
    internal IReadOnlyList<string> Methods { get; private set; } = MethodCatalog.Names;

    /// <summary>Epochs per method in the comparison.</summary>
    internal int Epochs { get; private set; } = 1;

    /// <summary>How many times the memory section scores its 1,000 rows.</summary>
    internal int ScoringPasses { get; private set; } = 20;

    /// <summary>The method a comparison child trains.</summary>
    internal string? Method { get; private set; }

    /// <summary>The child job to run (<c>train-full</c>, <c>train-lora</c>, <c>inference</c>, <c>padding</c>); null in the parent.</summary>
    internal string? Child { get; private set; }

    /// <summary>The backbone a child works on.</summary>
    internal string? Backbone { get; private set; }

    internal bool Help { get; private set; }

    /// <summary>The comparison of PEFT methods, which runs alone (it trains real models for minutes each).</summary>
    internal bool ComparesMethods => Sections.Contains(MethodsSection);

    /// <summary>The memory of the main job and of serving, which runs alone (it trains the main job).</summary>
    internal bool MeasuresMemory => Sections.Contains(MemorySection);

    internal const string MethodsSection = "methods";

    internal const string MemorySection = "memory";

    internal const string PyTorchSection = "pytorch";

    /// <summary>The comparison with PyTorch, which runs alone (it starts both sides for every configuration).</summary>
    internal bool ComparesWithPyTorch => Sections.Contains(PyTorchSection);

    // Image backbones run only when named, so the default run and its report stay as they were.
    private static IReadOnlyList<string> AllBackbones { get; } = BenchmarkBackbone.Names.Concat(ImageBenchmarkBackbone.Names).ToArray();

    private static IReadOnlyList<string> DefaultSections { get; } = new[] { "training", "inference", "padding" };

    // paca (PaCA vs LoRA peak memory) and mixed-adapters run only when asked for, so the default run and its report stay as they were.
    private static IReadOnlyList<string> AllSections { get; } = DefaultSections.Append("paca").Append("mixed-adapters").ToArray();

    internal static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            if (flag is "--help" or "-h")
            {
                options.Help = true;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{flag} needs a value.");
            }

            string value = args[++i];
            switch (flag)
            {
                case "--output": options.Output = value; break;
                case "--backbones": options.Backbones = List(value, AllBackbones, flag); break;
                case "--sections": options.Sections = List(value, AllSections.Append(MethodsSection).Append(MemorySection).Append(PyTorchSection).ToArray(), flag); break;
                case "--methods": options.Methods = List(value, MethodCatalog.Names, flag); break;
                case "--method": options.Method = List(value, MethodCatalog.Names, flag).Single(); break;
                case "--epochs": options.Epochs = Positive(value, flag); break;
                case "--batch": options.Batch = Positive(value, flag); break;
                case "--seq": options.SequenceLength = Positive(value, flag); break;
                case "--warmup": options.Warmup = NonNegative(value, flag); break;
                case "--steps": options.Steps = Positive(value, flag); break;
                case "--infer-steps": options.InferenceSteps = Positive(value, flag); break;
                case "--padding-steps": options.PaddingSteps = Positive(value, flag); break;
                case "--matmul-size": options.MatmulSize = Positive(value, flag); break;
                case "--matmul-reps": options.MatmulReps = Positive(value, flag); break;
                case "--adapters": options.Adapters = Positive(value, flag); break;
                case "--rank": options.Rank = Positive(value, flag); break;
                case "--alpha": options.Alpha = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--lora-dropout": options.LoraDropout = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--scoring-passes": options.ScoringPasses = Positive(value, flag); break;
                case "--seed": options.Seed = NonNegative(value, flag); break;
                case "--rounds": options.Rounds = Positive(value, flag); break;
                case "--python": options.Python = value; break;
                case "--threads": options.Threads = Positive(value, flag); break;
                case "--hidden-dropout": options.HiddenDropout = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--shared": options.Shared = value; break;
                case "--child": options.Child = value; break;
                case "--backbone": options.Backbone = List(value, AllBackbones, flag).Single(); break;
                default: throw new ArgumentException($"Unknown option {flag}; see --help.");
            }
        }

        foreach (string alone in new[] { MethodsSection, MemorySection, PyTorchSection })
        {
            if (options.Sections.Contains(alone) && options.Sections.Count > 1)
            {
                throw new ArgumentException($"--sections {alone} runs alone; start the other sections in a separate run.");
            }
        }

        return options;
    }

    internal bool Runs(string section) => Sections.Contains(section);

    /// <summary>The arguments that start a child process for <paramref name="child"/> on <paramref name="backbone"/> with these settings.</summary>
    internal IReadOnlyList<string> ChildArguments(string child, string backbone) => new[]
    {
        "--child", child, "--backbone", backbone,
        "--batch", Invariant(Batch), "--seq", Invariant(SequenceLength), "--warmup", Invariant(Warmup),
        "--steps", Invariant(Steps), "--infer-steps", Invariant(InferenceSteps), "--padding-steps", Invariant(PaddingSteps),
        "--matmul-size", Invariant(MatmulSize), "--matmul-reps", Invariant(MatmulReps),
        "--adapters", Invariant(Adapters), "--rank", Invariant(Rank), "--alpha", Alpha.ToString("R", CultureInfo.InvariantCulture),
        "--lora-dropout", LoraDropout.ToString("R", CultureInfo.InvariantCulture), "--seed", Invariant(Seed),
    }.Concat(Threads is { } threads ? new[] { "--threads", Invariant(threads) } : Array.Empty<string>()).ToArray();

    /// <summary>
    /// The arguments of a child of the PyTorch comparison: those of <see cref="ChildArguments"/>, then the dropouts, the
    /// threads and the shared folder (a later flag wins, so these override the run's own).
    /// </summary>
    internal IReadOnlyList<string> PyTorchChildArguments(string child, double loraDropout, double hiddenDropout, int threads, string shared) =>
        ChildArguments(child, BenchmarkBackbone.BertBase).Concat(new[]
        {
            "--lora-dropout", loraDropout.ToString("R", CultureInfo.InvariantCulture),
            "--hidden-dropout", hiddenDropout.ToString("R", CultureInfo.InvariantCulture),
            "--threads", Invariant(threads), "--shared", shared,
        }).ToArray();

    /// <summary>The arguments that start the comparison's child process for <paramref name="method"/>.</summary>
    internal IReadOnlyList<string> MethodChildArguments(string method) => new[]
    {
        "--child", ChildJobs.Method, "--method", method, "--epochs", Invariant(Epochs), "--seed", Invariant(Seed),
    };

    /// <summary>The arguments that start one of the memory section's children.</summary>
    internal IReadOnlyList<string> MemoryChildArguments(string child) => new[]
    {
        "--child", child, "--epochs", Invariant(Epochs), "--scoring-passes", Invariant(ScoringPasses), "--seed", Invariant(Seed),
    };

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int Positive(string value, string flag)
    {
        int n = int.Parse(value, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new ArgumentException($"{flag} must be positive, got {n}.");
    }

    private static int NonNegative(string value, string flag)
    {
        int n = int.Parse(value, CultureInfo.InvariantCulture);
        return n >= 0 ? n : throw new ArgumentException($"{flag} must be non-negative, got {n}.");
    }

    private static string[] List(string value, IReadOnlyList<string> allowed, string flag)
    {
        var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = items.Where(i => !allowed.Contains(i)).ToList();
        if (items.Length == 0 || unknown.Count > 0)
        {
            throw new ArgumentException($"{flag}: expected a comma-separated list of {string.Join(", ", allowed)}; got '{value}'.");
        }

        return items.Distinct().ToArray();
    }
}
