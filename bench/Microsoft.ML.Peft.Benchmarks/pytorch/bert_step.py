# Licensed under the MIT license. See LICENSE in the repository root.

"""The PyTorch counterpart of the benchmark's BERT-base training and inference children (see bench/README.md).

It writes the model the two sides share and then measures one configuration per process, as the C# children do, so that
every peak RSS is its own. The parent (PyTorchComparisonRunner.cs) starts it with the interpreter that has torch
(Debian's python3-torch, /usr/bin/python3) and reads the last line it prints, `BENCH-RESULT {json}`.

  --mode init       build the model with torch.manual_seed(seed) and write, into --dir, model.safetensors (Hugging
                    Face's BertForSequenceClassification keys, which are ours too), lora.safetensors (the LoRA A
                    matrices) and batch.safetensors (ids, token types, mask, labels); both sides then load these, so
                    they start from the same weights, adapter and batch
  --mode full|lora  training steps of full fine-tuning or of LoRA on query and value
  --mode inference  eval-mode forward passes of the base model and of the model with an unmerged LoRA adapter

The model is written out here rather than taken from the transformers and peft packages, which Debian does not ship; it
follows our BertModel and LoraLinear (and Hugging Face's and PEFT's code) operation for operation.
"""

import argparse
import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

RESULT_PREFIX = "BENCH-RESULT "
TARGETS = ("query", "value")  # LoraSetup.cs: TargetModules = query, value
DTYPES = {torch.float32: "F32", torch.int64: "I64"}
TORCH_DTYPES = {name: dtype for dtype, name in DTYPES.items()}


# --- BERT, with Hugging Face's module names so the state dict keys are the checkpoint's -------------------------------

class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab, c.hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(c.positions, c.hidden)
        self.token_type_embeddings = nn.Embedding(2, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=1e-12)
        self.dropout = nn.Dropout(c.hidden_dropout)

    def forward(self, ids, types):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        total = self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings(types)
        return self.dropout(self.LayerNorm(total))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)
        self.dropout = nn.Dropout(c.attention_dropout)

    def split(self, x):
        b, t, h = x.shape
        return x.view(b, t, self.heads, h // self.heads).transpose(1, 2)

    def forward(self, hidden, additive_mask):
        # Eager attention, as Hugging Face's BertSelfAttention: torch 1.13 has no scaled_dot_product_attention.
        q, k, v = self.split(self.query(hidden)), self.split(self.key(hidden)), self.split(self.value(hidden))
        scores = q.matmul(k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + additive_mask
        context = self.dropout(scores.softmax(-1)).matmul(v)
        b, _, t, _ = context.shape
        return context.transpose(1, 2).reshape(b, t, -1)


class BertResidual(nn.Module):
    """LayerNorm(dropout(dense(x)) + residual): BertSelfOutput and BertOutput (post-LN)."""

    def __init__(self, c, inner, outer):
        super().__init__()
        self.dense = nn.Linear(inner, outer)
        self.LayerNorm = nn.LayerNorm(outer, eps=1e-12)
        self.dropout = nn.Dropout(c.hidden_dropout)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertResidual(c, c.hidden, c.hidden)

    def forward(self, hidden, additive_mask):
        return self.output(self.self(hidden, additive_mask), hidden)


class BertDense(nn.Module):
    """A module with one `dense` projection: BertIntermediate and BertPooler."""

    def __init__(self, inner, outer):
        super().__init__()
        self.dense = nn.Linear(inner, outer)

    def forward(self, x):
        return self.dense(x)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertDense(c.hidden, c.intermediate)
        self.output = BertResidual(c, c.intermediate, c.hidden)

    def forward(self, hidden, additive_mask):
        attended = self.attention(hidden, additive_mask)
        return self.output(F.gelu(self.intermediate(attended)), attended)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c) for _ in range(c.layers))

    def forward(self, hidden, additive_mask):
        for layer in self.layer:
            hidden = layer(hidden, additive_mask)
        return hidden


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertDense(c.hidden, c.hidden)

    def forward(self, ids, types, mask):
        hidden = self.embeddings(ids, types)
        # (batch, 1, 1, time): 0 for tokens, the dtype's minimum for padding (our AttentionMask.Additive).
        additive = (1 - mask.to(hidden.dtype))[:, None, None, :] * torch.finfo(hidden.dtype).min
        last = self.encoder(hidden, additive)
        return self.pooler(last[:, 0]).tanh()


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c)
        self.dropout = nn.Dropout(c.hidden_dropout)
        self.classifier = nn.Linear(c.hidden, c.labels)

    def forward(self, ids, types, mask):
        return self.classifier(self.dropout(self.bert(ids, types, mask)))


def init_weights(model):
    """Hugging Face's BertPreTrainedModel._init_weights: N(0, 0.02) weights, zero biases, LayerNorm 1 and 0."""
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()
        if isinstance(module, nn.Embedding) and module.padding_idx is not None:
            module.weight.data[module.padding_idx].zero_()
        if isinstance(module, nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()


# --- LoRA as PEFT computes it: result = base(x) + lora_B(lora_A(dropout(x))) * (alpha / r) -----------------------------

class LoraLinear(nn.Module):
    def __init__(self, base, rank, alpha, dropout):
        super().__init__()
        self.base_layer = base
        self.lora_A = nn.Linear(base.in_features, rank, bias=False)
        self.lora_B = nn.Linear(rank, base.out_features, bias=False)
        # PEFT uses nn.Identity for a dropout of 0, so no copy of x is made.
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.scaling = alpha / rank
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling


def inject_lora(model, args):
    """Wraps every query and value projection; returns {name of its A as in lora.safetensors: the A parameter}."""
    a_matrices = {}
    for name, attention in list(model.named_modules()):
        if isinstance(attention, BertSelfAttention):
            for target in TARGETS:
                lora = LoraLinear(getattr(attention, target), args.rank, args.alpha, args.lora_dropout)
                setattr(attention, target, lora)
                a_matrices[f"{name}.{target}.lora_A.weight"] = lora.lora_A.weight
    return a_matrices


# --- safetensors, written and read by hand (Debian has no python3-safetensors) ----------------------------------------

def write_safetensors(path, tensors):
    """8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw bytes."""
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header with spaces to a multiple of 8
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_header(f):
    (length,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(length))
    header.pop("__metadata__", None)
    return header, 8 + length


def load_into(path, targets):
    """Reads each tensor of the file straight into the tensor of the same name, one at a time, so no second copy of the
    weights is ever resident (the C# side reads the same way)."""
    with open(path, "rb") as f:
        header, start = read_header(f)
        missing = set(targets) - set(header)
        if missing:
            raise KeyError(f"{path} lacks {sorted(missing)[:3]}")
        with torch.no_grad():
            for name, target in targets.items():
                entry = header[name]
                if list(target.shape) != entry["shape"] or DTYPES[target.dtype] != entry["dtype"]:
                    raise ValueError(f"{name}: file has {entry['dtype']} {entry['shape']}, model {target.dtype} {list(target.shape)}")
                begin, end = entry["data_offsets"]
                f.seek(start + begin)
                view = memoryview(target.detach().numpy()).cast("B")
                if f.readinto(view) != end - begin:
                    raise EOFError(f"{path}: {name} is truncated")


def read_all(path):
    with open(path, "rb") as f:
        header, start = read_header(f)
        tensors = {}
        for name, entry in header.items():
            tensor = torch.empty(entry["shape"], dtype=TORCH_DTYPES[entry["dtype"]])
            begin, end = entry["data_offsets"]
            f.seek(start + begin)
            f.readinto(memoryview(tensor.numpy()).cast("B"))
            tensors[name] = tensor
        return tensors


# --- measurements -------------------------------------------------------------------------------------------------------

def peak_resident_bytes():
    """VmHWM from /proc/self/status, as ProcessMemory.cs reads it (ru_maxrss is the same high-water mark, in KiB)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/self/status has no VmHWM")


def build(hidden_dropout):
    config = argparse.Namespace(
        vocab=30522, hidden=768, layers=12, heads=12, intermediate=3072, positions=512, labels=2,
        hidden_dropout=hidden_dropout, attention_dropout=hidden_dropout)
    model = BertForSequenceClassification(config)
    init_weights(model)
    return model


def init(args):
    torch.manual_seed(args.seed)
    model = build(args.hidden_dropout)
    a_matrices = inject_lora(model, args)  # A is drawn from the same seeded generator, after the weights
    base = {name.replace(".base_layer", ""): p for name, p in model.named_parameters() if ".lora_" not in name}
    write_safetensors(f"{args.dir}/model.safetensors", base)
    write_safetensors(f"{args.dir}/lora.safetensors", a_matrices)
    generator = torch.Generator().manual_seed(args.seed)
    write_safetensors(f"{args.dir}/batch.safetensors", {
        "input_ids": torch.randint(30522, (args.batch, args.seq), generator=generator),
        "token_type_ids": torch.zeros(args.batch, args.seq, dtype=torch.int64),
        "attention_mask": torch.ones(args.batch, args.seq, dtype=torch.int64),
        "labels": torch.randint(2, (args.batch,), generator=generator),
    })
    return {"mode": "init", "parameters": sum(p.numel() for p in base.values())}


def decays(name):
    """Our WeightDecayPolicy: no weight decay on biases and on the parameters of normalization modules."""
    parts = name.split(".")
    return parts[-1] != "bias" and not any("norm" in part.lower() or part == "ln" or part.startswith("ln_") for part in parts[:-1])


def train(args):
    torch.manual_seed(args.seed)
    model = build(args.hidden_dropout)
    load_into(f"{args.dir}/model.safetensors", dict(model.named_parameters()))
    if args.mode == "lora":
        for p in model.parameters():
            p.requires_grad_(False)
        load_into(f"{args.dir}/lora.safetensors", inject_lora(model, args))
        for p in model.classifier.parameters():  # modules_to_save = classifier
            p.requires_grad_(True)
    model.train()
    batch = read_all(f"{args.dir}/batch.safetensors")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": [p for n, p in trainable if decays(n)], "weight_decay": 0.01},
         {"params": [p for n, p in trainable if not decays(n)], "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.999), eps=1e-8)

    def step():
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        loss = F.cross_entropy(logits, batch["labels"])
        loss.backward()
        optimizer.step()
        value = loss.item()
        return time.perf_counter() - start, value

    losses, seconds = [], []
    for i in range(args.warmup + args.steps):
        elapsed, loss = step()
        losses.append(loss)
        if i >= args.warmup:
            seconds.append(elapsed)
        log(args, f"step {i + 1}/{args.warmup + args.steps}: {elapsed:.3f} s (loss {loss:.6f})")
    return {"mode": args.mode, "stepSeconds": seconds, "losses": losses, "peakResidentBytes": peak_resident_bytes(),
            "trainableParameters": sum(p.numel() for _, p in trainable)}


def inference(args):
    """Base and LoRA-unmerged forward passes, round-robin with the starting one rotating, as InferenceBenchmark.cs."""
    torch.manual_seed(args.seed)
    base = build(args.hidden_dropout)
    adapted = build(args.hidden_dropout)
    adapted.load_state_dict(base.state_dict())
    inject_lora(adapted, args)
    with torch.no_grad():
        generator = torch.Generator().manual_seed(args.seed)
        for name, p in adapted.named_parameters():
            if ".lora_B." in name:
                p.normal_(0.0, 0.02, generator=generator)  # a zero B would make the adapter a no-op
    batch = read_all(f"{args.dir}/batch.safetensors")
    networks = [base.eval(), adapted.eval()]
    samples = [[], []]
    with torch.no_grad():
        for _ in range(args.warmup):
            for network in networks:
                network(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        for round_ in range(args.infer_steps):
            for k in range(len(networks)):
                which = (round_ + k) % len(networks)
                start = time.perf_counter()
                networks[which](batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
                samples[which].append(time.perf_counter() - start)
    return {"mode": "inference", "baseSeconds": samples[0], "unmergedSeconds": samples[1], "peakResidentBytes": peak_resident_bytes()}


def log(args, message):
    print(f"[{time.strftime('%H:%M:%S')} pytorch {args.mode}] {message}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", required=True, choices=["init", "full", "lora", "inference"])
    parser.add_argument("--dir", required=True, help="folder of model.safetensors, lora.safetensors, batch.safetensors")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--infer-steps", type=int, default=10)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16.0)
    parser.add_argument("--lora-dropout", type=float, default=0.1)
    parser.add_argument("--hidden-dropout", type=float, default=0.1, help="hidden and attention dropout (0 for the loss check)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads, the same number as the C# side")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {"init": init, "full": train, "lora": train, "inference": inference}[args.mode](args)
    result["torchVersion"] = torch.__version__
    result["threads"] = torch.get_num_threads()
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
