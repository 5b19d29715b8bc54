// Licensed under the MIT license. See LICENSE in the repository root.

// LoRA on your own TorchSharp module, end to end, in seconds on a CPU:
//   1. pretrain a small classifier on task A (three interleaved spirals);
//   2. task B is the same problem after a distribution shift (rotated and scaled), where the model fails;
//   3. attach a LoRA adapter and train only the adapter (and the head) on a little task-B data;
//   4. save the adapter in Hugging Face PEFT's format and reload it onto the pretrained weights;
//   5. merge it into the base weights.

using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LowLevelLora;
using Microsoft.ML.Peft;
using TorchSharp;
using static TorchSharp.torch;

const double ShiftDegrees = 90;
const double ShiftScale = 1.3;
string adapterDir = Path.Combine(AppContext.BaseDirectory, "adapter");
string baseWeightsPath = Path.Combine(AppContext.BaseDirectory, "pretrained.bin");

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;   // the same console output everywhere
torch.manual_seed(1);
var (trainA, labelsTrainA) = Spirals.Sample(perClass: 500);
var (testA, labelsTestA) = Spirals.Sample(perClass: 300);
var (trainB, labelsTrainB) = Spirals.Sample(perClass: 100);   // little data for the new task
var (testB, labelsTestB) = Spirals.Sample(perClass: 300);
trainB = Spirals.Shift(trainB, ShiftDegrees, ShiftScale);
testB = Spirals.Shift(testB, ShiftDegrees, ShiftScale);
Console.WriteLine($"Task A: {Spirals.Classes} interleaved spirals. Task B: the same, rotated {ShiftDegrees} degrees and scaled x{ShiftScale}.");

// 1. Pretrain every weight on task A, and keep the pretrained weights to rebuild the base model later.
var model = new Classifier(hidden: 128, classes: Spirals.Classes);
using (var optimizer = optim.AdamW(model.parameters(), lr: 1e-2))
{
    Train(model, optimizer, trainA, labelsTrainA, steps: 1500);
}

model.save(baseWeightsPath);
Console.WriteLine();
Console.WriteLine("                          accuracy A   accuracy B");
Report("pretrained model", model);

// 2. Wrap with LoRA: adapters on fc1 and fc2 (through forward hooks), the head trained in full, everything else frozen.
var config = new LoraConfig
{
    Rank = 4,
    Alpha = 8,
    TargetModules = ModuleSelector.FromNames("fc1", "fc2"),
    ModulesToSave = new[] { "head" },
};
using var peft = PeftModel.Create(model, config);

// 3. Train only the adapter. Create the optimizer after the adapter is active: modules_to_save swaps values in place.
var stopwatch = Stopwatch.StartNew();
using (var optimizer = optim.AdamW(peft.GetTrainableParameters(), lr: 1e-2))
{
    Train(model, optimizer, trainB, labelsTrainB, steps: 300);
}

double adaptSeconds = stopwatch.Elapsed.TotalSeconds;
Report("with the LoRA adapter", model);
using (peft.DisableAdapter())
{
    Report("adapter disabled", model);   // the base model is intact
}

Console.WriteLine();
Console.WriteLine($"LoRA r={config.Rank}, alpha={config.Alpha} on [{string.Join(", ", peft.GetTargetModules(peft.ActiveAdapter))}], head in modules_to_save");
Console.WriteLine(peft.GetTrainableParameterReport());
Console.WriteLine($"adapted in {adaptSeconds:F1} s (300 AdamW steps on {labelsTrainB.shape[0]} task-B points)");

// 4. Save in PEFT's format (adapter_config.json + adapter_model.safetensors), loadable by Python's PeftModel.from_pretrained.
peft.SaveAdapter(adapterDir);
string weightsFile = Path.Combine(adapterDir, PeftModel.AdapterWeightsFileName);
Console.WriteLine();
Console.WriteLine($"Saved the adapter to {adapterDir}");
Console.WriteLine($"  {PeftModel.AdapterConfigFileName,-26} {new FileInfo(Path.Combine(adapterDir, PeftModel.AdapterConfigFileName)).Length,6:N0} bytes");
Console.WriteLine($"  {PeftModel.AdapterWeightsFileName,-26} {new FileInfo(weightsFile).Length,6:N0} bytes (the whole model: {new FileInfo(baseWeightsPath).Length:N0} bytes)");
foreach (var (name, dtype, shape) in ReadSafetensorsHeader(weightsFile))
{
    Console.WriteLine($"    {name,-38} {dtype} [{string.Join(", ", shape)}]");
}

// Reload: a fresh model with the pretrained weights, then the adapter on top.
var reloadedModel = new Classifier(hidden: 128, classes: Spirals.Classes);
reloadedModel.load(baseWeightsPath);
var reloaded = PeftModel.FromPretrained(reloadedModel, adapterDir);
using var trainedLogits = Logits(model, testB);
using var reloadedLogits = Logits(reloadedModel, testB);
Console.WriteLine($"Reloaded onto the pretrained weights: max |diff| of logits vs. the trained model = {MaxAbsDiff(trainedLogits, reloadedLogits):G3}");

// 5. Merge the update into the base weights and remove the hooks: a plain Classifier again, with no extra inference cost.
double unmergedMs = MillisecondsPerForward(reloadedModel, testB);
var merged = (Classifier)reloaded.MergeAndUnload();
double mergedMs = MillisecondsPerForward(merged, testB);
using var mergedLogits = Logits(merged, testB);
Console.WriteLine();
Console.WriteLine($"MergeAndUnload: max |diff| of logits vs. unmerged = {MaxAbsDiff(reloadedLogits, mergedLogits):G3}, accuracy B {Accuracy(merged, testB, labelsTestB):P1}");
Console.WriteLine($"forward pass on {testB.shape[0]} points: {unmergedMs:F3} ms with adapter hooks, {mergedMs:F3} ms merged");

void Report(string label, Classifier classifier) =>
    Console.WriteLine($"{label,-24} {Accuracy(classifier, testA, labelsTestA),10:P1} {Accuracy(classifier, testB, labelsTestB),12:P1}");

static void Train(Classifier model, optim.Optimizer optimizer, Tensor x, Tensor y, int steps)
{
    model.train();
    for (int step = 0; step < steps; step++)
    {
        using var scope = torch.NewDisposeScope();   // one scope per step frees the step's tensors
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.call(x), y);
        loss.backward();
        optimizer.step();
    }

    model.eval();
}

static Tensor Logits(Classifier model, Tensor x)
{
    model.eval();
    using var noGrad = torch.no_grad();
    return model.call(x);
}

static double Accuracy(Classifier model, Tensor x, Tensor y)
{
    using var scope = torch.NewDisposeScope();
    return Logits(model, x).argmax(1).eq(y).to(ScalarType.Float32).mean().item<float>();
}

static float MaxAbsDiff(Tensor a, Tensor b)
{
    using var scope = torch.NewDisposeScope();
    return (a - b).abs().max().item<float>();
}

static double MillisecondsPerForward(Classifier model, Tensor x, int runs = 500)
{
    for (int i = 0; i < runs / 10; i++)
    {
        using var warmUp = torch.NewDisposeScope();
        Logits(model, x);
    }

    var watch = Stopwatch.StartNew();
    for (int i = 0; i < runs; i++)
    {
        using var scope = torch.NewDisposeScope();
        Logits(model, x);
    }

    return watch.Elapsed.TotalMilliseconds / runs;
}

// The safetensors layout: an 8-byte little-endian header length, a JSON header, then the raw tensor bytes.
static List<(string Name, string DType, long[] Shape)> ReadSafetensorsHeader(string path)
{
    using var stream = File.OpenRead(path);
    Span<byte> length = stackalloc byte[8];
    stream.ReadExactly(length);
    var header = new byte[BinaryPrimitives.ReadUInt64LittleEndian(length)];
    stream.ReadExactly(header);
    using var json = JsonDocument.Parse(header);
    return json.RootElement.EnumerateObject()
        .Where(p => p.Name != "__metadata__")
        .Select(p => (p.Name, p.Value.GetProperty("dtype").GetString()!,
                      p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()))
        .ToList();
}

/// <summary>The user's own model, a small MLP. It calls its sub-modules with call(...), so PEFT's forward hooks run.</summary>
internal sealed class Classifier : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear fc1;
    private readonly TorchSharp.Modules.Linear fc2;
    private readonly TorchSharp.Modules.Linear head;

    public Classifier(int hidden, int classes)
        : base(nameof(Classifier))
    {
        fc1 = nn.Linear(2, hidden);
        fc2 = nn.Linear(hidden, hidden);
        head = nn.Linear(hidden, classes);
        RegisterComponents();   // registers fc1, fc2 and head under their field names
    }

    public override Tensor forward(Tensor x)
    {
        var h = nn.functional.relu(fc1.call(x));
        h = nn.functional.relu(fc2.call(h));
        return head.call(h);
    }
}
