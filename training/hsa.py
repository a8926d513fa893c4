"""HSA in PyTorch (spec §4–§6): the chunking layer (keys, values, landmarks), the retrieval layer (landmark
scores, top-k, newest-first slots, chunk weights) and the HSA layer (per-chunk softmax mixed by chunk weights,
with its SwiGLU MLP for swa_hsa). Same semantics as backends/reference/{chunk_encode,hsa_select,chunk_weights,
hsa_attention}.ts.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from layers import RMSNorm, SwiGLU, linear

# ---------------------------------------------------------------------------------------------------------
# HSA (spec §4–§6): chunking layer, retrieval layer, HSA layer (with its MLP for swa_hsa).


class ChunkingLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, S = cfg["hidden_size"], cfg["chunk_size"]
        kv = cfg["num_kv_heads"] * (d // cfg["num_attention_heads"])
        self.S, self.eps = S, cfg["hsa_norm_epsilon"]
        self.norm = RMSNorm(d, self.eps)
        self.proj_k, self.proj_v, self.lmk_ln = linear(d, kv), linear(d, kv), linear(d, cfg["retrieval_dim"])

    def forward(self, x, ctx):
        """Fills ctx["mem"] = (keys, values (b, C·S, kv), landmarks (b, C, d_r)) for the C complete chunks."""
        e = self.norm(x).to(x.dtype)
        b, T, d = e.shape
        C = T // self.S
        ec = e[:, : C * self.S]
        lmk = self.lmk_ln(ec.reshape(b, C, self.S, d).mean(2))
        ctx["mem"] = (self.proj_k(ec), self.proj_v(ec), lmk)
        return x


def stick_breaking(s, valid):
    """Slot scores (…, K) newest first → w_j = exp(s_j − Σ_{i≤j} softplus(s_i)) in ≥ fp32; invalid slots 0."""
    ft = torch.float64 if s.dtype == torch.float64 else torch.float32
    s = torch.where(valid, s.to(ft), torch.zeros((), dtype=ft, device=s.device))
    sp = torch.where(valid, F.softplus(s, threshold=15), torch.zeros_like(s))
    return torch.where(valid, torch.exp(s - torch.cumsum(sp, dim=-1)), torch.zeros_like(s))


def softmax_weights(s, valid):
    ft = torch.float64 if s.dtype == torch.float64 else torch.float32
    s = s.to(ft).masked_fill(~valid, float("-inf"))
    m = s.max(-1, keepdim=True).values
    e = torch.where(valid, torch.exp(s - torch.where(torch.isfinite(m), m, torch.zeros_like(m))), torch.zeros_like(s))
    z = e.sum(-1, keepdim=True)
    return torch.where(z > 0, e / z.clamp_min(1e-300 if ft == torch.float64 else 1e-30), torch.zeros_like(e))


class RetrievalLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.pre_norm = RMSNorm(d, cfg["hsa_norm_epsilon"])
        self.ln = linear(d, cfg["retrieval_dim"])
        self.S, self.K, self.Hkv = cfg["chunk_size"], cfg["chunk_topk"], cfg["num_kv_heads"]
        self.window = cfg.get("sliding_window", 0) if cfg.get("mask_slide_window") else 0
        self.mode = cfg["chunk_weighting"]

    def forward(self, x, ctx):
        """Sets ctx["sel"] = (indices (b, T, Hkv, K) newest first, −1 = empty; weights; scores)."""
        _, _, lmk = ctx["mem"]
        b, T, _ = x.shape
        C, K, Hkv = lmk.shape[1], self.K, self.Hkv
        qr = self.ln(self.pre_norm(x).to(x.dtype))
        if C == 0:
            z = torch.zeros(b, T, Hkv, K, dtype=torch.float32 if x.dtype != torch.float64 else x.dtype,
                            device=x.device)
            ctx["sel"] = (torch.full((b, T, Hkv, K), -1, dtype=torch.long, device=x.device), z, z)
            return x
        qb = ctx.get("query_block") or T
        if qb < T:
            # Inference on long inputs: the same selection, a block of queries at a time (scores not kept).
            parts = [self.select(qr[:, i:i + qb], lmk, i) for i in range(0, T, qb)]
            ctx["sel"] = tuple(torch.cat([p[j] for p in parts], dim=1) for j in range(2)) + (None,)
            return x
        ctx["sel"] = self.select(qr, lmk, 0)
        return x

    def select(self, qr, lmk, t0):
        """Queries qr (b, T, Hkv·drh) at positions t0.. → (indices, weights, scores) as in forward."""
        b, T, _ = qr.shape
        C, K, Hkv = lmk.shape[1], self.K, self.Hkv
        drh = qr.shape[-1] // Hkv
        # 1. Scores of every chunk, masked to those complete before t (and starting at or before t − W).
        scores = torch.einsum("bthd,bchd->bthc", qr.view(b, T, Hkv, drh), lmk.view(b, C, Hkv, drh)) / math.sqrt(drh)
        t = t0 + torch.arange(T, device=qr.device)[:, None]
        c = torch.arange(C, device=qr.device)[None, :]
        vis = (c + 1) * self.S <= t
        if self.window > 0:
            vis &= c * self.S <= t - self.window
        scores = scores.masked_fill(~vis[None, :, None, :], float("-inf"))
        # 2. Top-K, then newest chunk first; empty slots (index −1, score −inf) last.
        top_s, top_i = torch.topk(scores, min(K, C), dim=-1)
        valid = torch.isfinite(top_s)
        key = torch.where(valid, top_i, torch.full_like(top_i, -1))
        order = torch.argsort(key, dim=-1, descending=True)
        idx, s, valid = key.gather(-1, order), top_s.gather(-1, order), valid.gather(-1, order)
        if min(K, C) < K:
            pad = K - min(K, C)
            idx = F.pad(idx, (0, pad), value=-1)
            s = F.pad(s, (0, pad), value=float("-inf"))
            valid = F.pad(valid, (0, pad), value=False)
        # 3. Chunk weights.
        w = stick_breaking(s, valid) if self.mode == "stick_breaking" else softmax_weights(s, valid)
        return idx, w, scores


def hsa_attention(q, keys, values, idx, w, S, softmax1):
    """Per-chunk softmax attention mixed by chunk weights (spec §6), in dense form.

    q (b, T, Hq, D); keys, values (b, C·S, Hkv, D); idx, w (b, T, Hkv, K) → (b, T, Hq, D).
    Every chunk's S logits are computed for every token, but only the selected chunks get a weight (the
    others 0), so the result is exactly Σ_j w_j · softmax_chunk(q·k/√D) · v over the selected chunks.
    """
    b, T, Hq, D = q.shape
    CS, Hkv = keys.shape[1], keys.shape[2]
    C, G = CS // S, Hq // Hkv
    # 1. Dense chunk weights (b, Hkv, T, C): w scattered to its chunk index (empty slots add 0 at chunk 0).
    Wd = torch.zeros(b, T, Hkv, C, dtype=w.dtype, device=w.device)
    Wd.scatter_add_(-1, idx.clamp_min(0), torch.where(idx >= 0, w, torch.zeros_like(w)))
    Wd = Wd.permute(0, 2, 1, 3)
    # 2. Logits of every key, softmax inside each chunk (off by one: an extra zero logit).
    qh = q.reshape(b, T, Hkv, G, D).permute(0, 2, 3, 1, 4)  # (b, Hkv, G, T, D)
    kh = keys.permute(0, 2, 1, 3)[:, :, None]  # (b, Hkv, 1, CS, D)
    vh = values.permute(0, 2, 1, 3)[:, :, None]
    logits = qh @ kh.transpose(-1, -2)
    logits = (logits if q.dtype == torch.float64 else logits.float()).view(b, Hkv, G, T, C, S) / math.sqrt(D)
    if softmax1:
        m = logits.amax(-1, keepdim=True).clamp_min(0)
        e = torch.exp(logits - m)
        p = e / (e.sum(-1, keepdim=True) + torch.exp(-m))
    else:
        p = torch.softmax(logits, dim=-1)
    # 3. Weight each chunk and sum its values.
    p = (p * Wd[:, :, None, :, :, None].to(p.dtype)).view(b, Hkv, G, T, CS)
    out = p.to(vh.dtype) @ vh  # (b, Hkv, G, T, D)
    return out.permute(0, 3, 1, 2, 4).reshape(b, T, Hq, D)


def hsa_attention_sparse(q, keys, values, idx, w, S, softmax1):
    """hsa_attention on the selected chunks only (gathered), for inference on long inputs: same arguments
    and result, memory O(T·Hkv·K·S·D) instead of O(T·C·S)."""
    b, T, Hq, D = q.shape
    CS, Hkv = keys.shape[1], keys.shape[2]
    C, G, K = CS // S, Hq // Hkv, idx.shape[-1]
    kc = keys.view(b, C, S, Hkv, D).permute(0, 3, 1, 2, 4)  # (b, Hkv, C, S, D)
    vc = values.view(b, C, S, Hkv, D).permute(0, 3, 1, 2, 4)
    bi = torch.arange(b, device=q.device)[:, None, None, None]
    hi = torch.arange(Hkv, device=q.device)[None, None, :, None]
    safe = idx.clamp_min(0)
    ks, vs = kc[bi, hi, safe], vc[bi, hi, safe]  # (b, T, Hkv, K, S, D)
    qh = q.view(b, T, Hkv, G, D)
    logits = torch.einsum("bthgd,bthksd->bthgks", qh, ks).float() / math.sqrt(D)
    if softmax1:
        m = logits.amax(-1, keepdim=True).clamp_min(0)
        e = torch.exp(logits - m)
        p = e / (e.sum(-1, keepdim=True) + torch.exp(-m))
    else:
        p = torch.softmax(logits, dim=-1)
    wz = torch.where(idx >= 0, w, torch.zeros_like(w)).float()  # (b, T, Hkv, K)
    p = p * wz[:, :, :, None, :, None]
    out = torch.einsum("bthgks,bthksd->bthgd", p.to(vs.dtype), vs)
    return out.reshape(b, T, Hq, D)


class HSALayer(nn.Module):
    def __init__(self, cfg, with_mlp):
        super().__init__()
        d = cfg["hidden_size"]
        self.pre_norm = RMSNorm(d, cfg["hsa_norm_epsilon"])
        self.q_proj, self.o_proj = linear(d, d), linear(d, d)
        self.H, self.S, self.softmax1 = cfg["num_attention_heads"], cfg["chunk_size"], cfg["enable_softmax1"]
        self.with_mlp = with_mlp
        if with_mlp:
            self.post_attention_layernorm = RMSNorm(d, cfg["rms_norm_eps"])
            self.mlp = SwiGLU(d, cfg["intermediate_size"])
            self.reset_hsa_residual = cfg["reset_hsa_residual"]

    def forward(self, x, ctx):
        keys, values, _ = ctx["mem"]
        idx, w, _ = ctx["sel"]
        b, T, d = x.shape
        if keys.shape[1] == 0:
            a = torch.zeros_like(x)
        else:
            q = self.q_proj(self.pre_norm(x).to(x.dtype)).view(b, T, self.H, d // self.H)
            Hkv = idx.shape[2]
            kv = keys.shape[-1] // Hkv
            kh, vh = keys.view(b, -1, Hkv, kv), values.view(b, -1, Hkv, kv)
            qb = ctx.get("query_block")
            if qb:
                att = torch.cat([hsa_attention_sparse(q[:, i:i + qb], kh, vh, idx[:, i:i + qb], w[:, i:i + qb],
                                                      self.S, self.softmax1) for i in range(0, T, qb)], dim=1)
            else:
                att = hsa_attention(q, kh, vh, idx, w, self.S, self.softmax1)
            a = self.o_proj(att.reshape(b, T, d).to(x.dtype))
        if not self.with_mlp:
            return x + a
        xa = x + a
        m = self.mlp(self.post_attention_layernorm(xa).to(x.dtype))
        return (xa if self.reset_hsa_residual else x) + m
