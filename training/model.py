"""PyTorch reference of the harness's four architectures (ramba, transformer, mamba2, swa_hsa).

Parameter names and shapes are exactly models/schema.ts's tensorSpecs; the math is models/session.ts +
models/blocks/*.ts over backends/reference/*.ts (spec: ../shared/design/ramba-spec.md). One code path serves
both uses: float64 on the CPU (golden vectors) and float32 parameters under bf16 autocast on a GPU
(training). Whole sequences are processed in one pass (no cache); `mamba_reset` > 0 cuts the Mamba
recurrence (conv and SSM) every that many tokens, as training asks (spec §3.6).
"""

import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsa import ChunkingLayer, HSALayer, RetrievalLayer  # noqa: E402
from layers import DecoderBlock, MambaBlock, RMSNorm  # noqa: E402

# Defaults of models/schema.ts (keys absent from a config.json).
DEFAULTS = {
    "vocab_size": 256, "tie_word_embeddings": True, "initializer_range": 0.02,
    "expand": 2, "head_dim": 64, "state_size": 128, "n_groups": 1, "conv_kernel": 4, "use_conv_bias": True,
    "use_bias": False, "mamba_chunk_size": 256, "layer_norm_epsilon": 1e-5,
    "chunk_size": 64, "chunk_topk": 8, "num_kv_heads": 1, "num_upper_groups": 1,
    "chunk_weighting": "stick_breaking", "enable_softmax1": False, "hsa_norm_epsilon": 1e-6, "encoder_layers": 0,
    "rope_theta": 10000.0, "rms_norm_eps": 1e-6, "qk_norm": True, "attention_bias": False,
    "num_mamba_per_gca": 1, "mask_slide_window": False, "reset_hsa_residual": False,
}


def load_config(path):
    """config.json with schema defaults filled in (training-only keys start with "_" and are kept)."""
    with open(path) as f:
        raw = json.load(f)
    cfg = dict(DEFAULTS)
    cfg.update(raw)
    if cfg["architecture"] not in ("ramba", "transformer", "mamba2", "swa_hsa"):
        raise ValueError(f"{path}: unknown architecture {cfg['architecture']!r}")
    return cfg

# ---------------------------------------------------------------------------------------------------------
# The model: the schema's module walk, final norm, tied head.


def module_kinds(cfg):
    """The module list of models/schema.ts moduleList: (kind, group) in order."""
    a, out = cfg["architecture"], []
    if a == "mamba2":
        out = [("mamba", -1)] * cfg["num_hidden_layers"]
    elif a == "transformer":
        out = [("decoder", -1)] * cfg["num_hidden_layers"]
    elif a == "ramba":
        out = [("mamba", -1)] * cfg["num_lower_layers"] + [("chunking", -1)]
        groups = cfg["num_upper_groups"]
        inner = cfg["num_upper_layers"] // groups // cfg["num_mamba_per_gca"]
        for g in range(groups):
            out.append(("retrieval", g))
            for _ in range(inner):
                out += [("hsa", g)] + [("mamba", -1)] * cfg["num_mamba_per_gca"]
    else:
        out = [("decoder", -1)] * cfg["num_lower_layers"] + [("chunking", -1)]
        groups = cfg["num_upper_groups"]
        for g in range(groups):
            out += [("retrieval", g), ("hsa_mlp", g)] + [("decoder", -1)] * (cfg["num_upper_layers"] // groups)
    return out


class Backbone(nn.Module):
    def __init__(self, cfg, hf):
        super().__init__()
        d, V = cfg["hidden_size"], cfg["vocab_size"]
        make = {
            "mamba": lambda: MambaBlock(cfg), "decoder": lambda: DecoderBlock(cfg),
            "chunking": lambda: ChunkingLayer(cfg), "retrieval": lambda: RetrievalLayer(cfg),
            "hsa": lambda: HSALayer(cfg, False), "hsa_mlp": lambda: HSALayer(cfg, True),
        }
        self.kinds = module_kinds(cfg)
        # Registration order = the schema's tensor order: embedding, modules, final norm.
        if hf:
            self.embeddings = nn.Embedding(V, d)
        else:
            self.embed_tokens = nn.Embedding(V, d)
        self.layers = nn.ModuleList([make[k]() for k, _ in self.kinds])
        if hf:
            self.norm_f = RMSNorm(d, cfg["layer_norm_epsilon"])
        else:
            self.norm = RMSNorm(d, cfg["rms_norm_eps"])


class LongContextLM(nn.Module):
    """One of the four architectures; state_dict() names are models/schema.ts tensorSpecs names."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.hf = cfg["architecture"] in ("ramba", "mamba2")
        if self.hf:
            self.backbone = Backbone(cfg, True)
        else:
            self.model = Backbone(cfg, False)
        self.reset_parameters()

    @property
    def body(self):
        return self.backbone if self.hf else self.model

    def embedding_weight(self):
        return self.body.embeddings.weight if self.hf else self.body.embed_tokens.weight

    def reset_parameters(self, seed=0):
        """Init of spec §3.5/§6: N(0, initializer_range) for embeddings and projections, norms 1,
        A_log = log(1..n_h), D = 1, dt_bias = softplus⁻¹(dt0) with dt0 log-uniform in [1e-3, 1e-1],
        conv as PyTorch's default; output projections scaled by 1/sqrt(2·layers) (GPT-2)."""
        g = torch.Generator().manual_seed(seed)
        std = self.cfg["initializer_range"]
        n_res = max(1, sum(1 for k, _ in self.body.kinds if k in ("mamba", "decoder", "hsa", "hsa_mlp")))
        for name, p in self.named_parameters():
            leaf = name.split(".")[-1]
            with torch.no_grad():
                if "norm" in name.split(".")[-2] or name.endswith("layernorm.weight"):
                    p.fill_(1.0)
                elif leaf == "A_log":
                    p.copy_(torch.log(torch.arange(1, p.numel() + 1, dtype=torch.float64)).to(p.dtype))
                elif leaf == "D":
                    p.fill_(1.0)
                elif leaf == "dt_bias":
                    u = torch.rand(p.shape, generator=g, dtype=torch.float64)
                    dt0 = torch.exp(math.log(1e-3) + u * (math.log(1e-1) - math.log(1e-3))).clamp_min(1e-4)
                    p.copy_((dt0 + torch.log(-torch.expm1(-dt0))).to(p.dtype))
                elif "conv1d" in name:
                    bound = 1 / math.sqrt(self.cfg["conv_kernel"])
                    p.copy_(((torch.rand(p.shape, generator=g) * 2 - 1) * bound).to(p.dtype))
                else:
                    s = std / math.sqrt(2 * n_res) if leaf == "weight" and ("out_proj" in name or "o_proj" in name
                                                                            or "down_proj" in name) else std
                    p.copy_((torch.randn(p.shape, generator=g) * s).to(p.dtype))

    def forward(self, ids, mamba_reset=0, chunk=None, trace=None, query_block=None):
        """ids (b, T) int64 → logits (b, T, V) in fp32 (fp64 for a float64 model).

        query_block, if given, runs HSA selection and attention that many queries at a time on the selected
        chunks only (inference on long inputs; same result, memory linear in T).
        trace(name, tensor), if given, receives `hidden.<i>` after every module and `group<g>.sel`
        (indices, weights, scores) after every retrieval layer.
        """
        body = self.body
        ctx = {"chunk": chunk or self.cfg["mamba_chunk_size"], "reset": mamba_reset, "query_block": query_block}
        emb = self.embedding_weight()
        x = F.embedding(ids, emb)
        if self.hf and x.dtype != torch.float64:
            x = x.float()  # residual stream in fp32 (spec §11)
        for i, ((kind, grp), layer) in enumerate(zip(body.kinds, body.layers)):
            x = layer(x, ctx)
            if trace is not None:
                if kind == "retrieval":
                    trace(f"group{grp}.sel", ctx["sel"])
                trace(f"hidden.{i}", x)
        h = (body.norm_f if self.hf else body.norm)(x)
        logits = F.linear(h, emb)
        return logits if logits.dtype == torch.float64 else logits.float()


# ---------------------------------------------------------------------------------------------------------
# Checkpoints: safetensors written and read by hand (8-byte LE header length, JSON header, packed data).

_DT = {torch.bfloat16: "BF16", torch.float16: "F16", torch.float32: "F32", torch.float64: "F64"}
_FROM = {v: k for k, v in _DT.items()}


def save_safetensors(path, tensors, metadata=None, dtype=torch.bfloat16):
    """Writes name → tensor (converted to dtype, in the given order, contiguous, no gaps)."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().to("cpu", dtype).contiguous()
        raw = bytes(t.reshape(-1).view(torch.uint8).tolist()) if t.numel() else b""
        header[name] = {"dtype": _DT[dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for blob in blobs:
            f.write(blob)


def load_safetensors(path):
    """name → tensor (stored dtype), and the metadata."""
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8: 8 + n])
    meta = header.pop("__metadata__", {})
    base, out = 8 + n, {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        buf = torch.frombuffer(bytearray(data[base + a: base + b]), dtype=torch.uint8)
        out[name] = buf.view(_FROM[e["dtype"]]).reshape(e["shape"])
    return out, meta


def export_state(model):
    """The schema tensors in module order (the tied LM head is not stored)."""
    return {k: v for k, v in model.state_dict().items()}


def load_model(model_dir, dtype=torch.float64, weights=True):
    """models/<name>/ → LongContextLM in `dtype` (from the stored, rounded weights when `weights`)."""
    cfg = load_config(f"{model_dir}/config.json")
    m = LongContextLM(cfg)
    if weights:
        tensors, _ = load_safetensors(f"{model_dir}/model.safetensors")
        sd = m.state_dict()
        missing = set(sd) - set(tensors)
        extra = set(tensors) - set(sd)
        if missing or extra:
            raise ValueError(f"{model_dir}: missing {sorted(missing)[:3]}, unexpected {sorted(extra)[:3]}")
        m.load_state_dict({k: v.to(torch.float64).reshape(sd[k].shape) for k, v in tensors.items()})
    return m.to(dtype)
