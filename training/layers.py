"""Building blocks of training/model.py: RMSNorm, SwiGLU, the Mamba2 block (chunked SSD) and the attention
decoder layer (qk-norm, rotate-half RoPE, GQA, optional sliding window). Float64 on the CPU or fp32 weights
under bf16 autocast on a GPU; the math is backends/reference/*.ts's.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------------------
# Shared pieces.


def rms_norm(x, w, eps):
    """x·rsqrt(mean(x²) + eps)·w over the last dim, in at least fp32."""
    dt = torch.float64 if x.dtype == torch.float64 else torch.float32
    xf = x.to(dt)
    return xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps) * w.to(dt)


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return rms_norm(x, self.weight, self.eps)


def linear(d_in, d_out):
    return nn.Linear(d_in, d_out, bias=False)


class SwiGLU(nn.Module):
    def __init__(self, d, width):
        super().__init__()
        self.gate_proj, self.up_proj, self.down_proj = linear(d, width), linear(d, width), linear(width, d)

    def forward(self, h):
        return self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


# ---------------------------------------------------------------------------------------------------------
# Mamba2 (spec §3).


def segsum(x):
    """x (..., L) → (..., L, L) with out[i, j] = Σ_{j<k≤i} x_k for j ≤ i, −inf above the diagonal."""
    L = x.size(-1)
    xe = x[..., :, None].expand(*x.shape, L)  # xe[..., k, j] = x_k
    ones = torch.ones(L, L, dtype=torch.bool, device=x.device)
    cs = torch.cumsum(xe.masked_fill(~ones.tril(-1), 0), dim=-2)  # Σ over j < k ≤ i
    return cs.masked_fill(~ones.tril(), float("-inf"))


def ssd(x, dt, A, B, C, Q):
    """Chunked SSD (spec §3.3), zero initial state.

    x (b, T, h, p), dt (b, T, h) after softplus, A (h), B, C (b, T, g, n) → y (b, T, h, p) without the D skip.
    1. Pad T to a multiple of Q (dt = 0 rows change nothing); reshape into c chunks of Q.
    2. Intra-chunk: y_i = Σ_{j≤i} (C_i·B_j)·exp(Λ_i − Λ_j)·dt_j·x_j.
    3. Chunk-end states s_c = Σ_j exp(Λ_end − Λ_j)·dt_j·x_j ⊗ B_j, carried across chunks with their decays.
    4. Inter-chunk: y_i += exp(Λ_i)·(s_prev·C_i).
    """
    b, T, h, p = x.shape
    g, n = B.shape[2], B.shape[3]
    pad = (-T) % Q
    if pad:
        x, dt = F.pad(x, (0, 0, 0, 0, 0, pad)), F.pad(dt, (0, 0, 0, pad))
        B, C = F.pad(B, (0, 0, 0, 0, 0, pad)), F.pad(C, (0, 0, 0, 0, 0, pad))
    c = (T + pad) // Q
    rep = h // g
    X = (x * dt[..., None]).reshape(b, c, Q, h, p)
    a = (dt * A).reshape(b, c, Q, h).permute(0, 3, 1, 2)  # (b, h, c, Q) log-decay per step
    Bc, Cc = B.reshape(b, c, Q, g, n), C.reshape(b, c, Q, g, n)
    a_cs = torch.cumsum(a, dim=-1)
    # 2. Intra-chunk (the quadratic "attention" form).
    Lmat = torch.exp(segsum(a))  # (b, h, c, Q, Q)
    CB = torch.einsum("bclgn,bcsgn->bgcls", Cc, Bc).repeat_interleave(rep, dim=1)  # (b, h, c, Q, Q)
    y = torch.einsum("bhcls,bcshp->bclhp", (CB * Lmat).to(X.dtype), X)
    # 3. States at chunk ends, then carried across chunks.
    Bh = Bc.repeat_interleave(rep, dim=3)  # (b, c, Q, h, n)
    decay_states = torch.exp(a_cs[..., -1:] - a_cs)  # (b, h, c, Q)
    states = torch.einsum("bclhn,bhcl,bclhp->bchpn", Bh, decay_states.to(X.dtype), X)
    states = torch.cat([torch.zeros_like(states[:, :1]), states], dim=1)  # (b, c+1, h, p, n)
    decay_chunk = torch.exp(segsum(F.pad(a_cs[..., -1], (1, 0))))  # (b, h, c+1, c+1)
    states = torch.einsum("bhzc,bchpn->bzhpn", decay_chunk.to(states.dtype), states)[:, :-1]
    # 4. Contribution of the state entering each chunk.
    Ch = Cc.repeat_interleave(rep, dim=3)
    y = y + torch.einsum("bclhn,bchpn,bhcl->bclhp", Ch, states, torch.exp(a_cs).to(X.dtype))
    return y.reshape(b, c * Q, h, p)[:, :T]


class Mamba2Mixer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.d_in = cfg["expand"] * d
        self.P = cfg["head_dim"]
        self.H = self.d_in // self.P
        self.G, self.N, self.K = cfg["n_groups"], cfg["state_size"], cfg["conv_kernel"]
        self.conv_dim = self.d_in + 2 * self.G * self.N
        self.eps = cfg["layer_norm_epsilon"]
        self.in_proj = linear(d, 2 * self.d_in + 2 * self.G * self.N + self.H)
        self.conv1d = nn.Conv1d(self.conv_dim, self.conv_dim, self.K, groups=self.conv_dim, bias=True)
        self.dt_bias = nn.Parameter(torch.zeros(self.H))
        self.A_log = nn.Parameter(torch.zeros(self.H))
        self.D = nn.Parameter(torch.ones(self.H))
        self.norm = RMSNorm(self.d_in, self.eps)
        self.out_proj = linear(self.d_in, d)

    def forward(self, h, chunk, reset=0):
        """h (b, T, d) → (b, T, d). reset > 0: conv and SSM restart from zero every `reset` tokens."""
        b, T, _ = h.shape
        zxbcdt = self.in_proj(h)
        z, xbc, dt = torch.split(zxbcdt, [self.d_in, self.conv_dim, self.H], dim=-1)
        Tp = T
        if reset and T > reset:
            # Segments of `reset` tokens scanned independently; a causal pad at the end fills the last one.
            Tp = T + (-T) % reset
            xbc, dt = F.pad(xbc, (0, 0, 0, Tp - T)), F.pad(dt, (0, 0, 0, Tp - T))
            xbc, dt = xbc.reshape(b * Tp // reset, reset, -1), dt.reshape(b * Tp // reset, reset, -1)
        # 1. Causal depthwise conv (w[c, K-1] multiplies the current token) + SiLU.
        u = F.conv1d(F.pad(xbc.transpose(1, 2), (self.K - 1, 0)), self.conv1d.weight, self.conv1d.bias,
                     groups=self.conv_dim)
        u = F.silu(u).transpose(1, 2)
        xs, Bm, Cm = torch.split(u, [self.d_in, self.G * self.N, self.G * self.N], dim=-1)
        # 2. dt = softplus(raw + bias) (threshold 20), A = −exp(A_log); the SSD scan in ≥ fp32 decay math.
        fdt = torch.float64 if h.dtype == torch.float64 else torch.float32
        dtv = F.softplus(dt.to(fdt) + self.dt_bias.to(fdt))
        A = -torch.exp(self.A_log.to(fdt))
        bb, tt = xs.shape[0], xs.shape[1]
        xh = xs.reshape(bb, tt, self.H, self.P)
        y = ssd(xh, dtv, A, Bm.reshape(bb, tt, self.G, self.N), Cm.reshape(bb, tt, self.G, self.N), chunk)
        y = y + self.D.to(y.dtype)[:, None] * xh
        y = y.reshape(b, Tp, self.d_in)[:, :T]
        # 3. Gate before the norm, then project out.
        v = rms_norm(y * F.silu(z.to(y.dtype)), self.norm.weight, self.eps)
        return self.out_proj(v.to(h.dtype) if h.dtype == torch.float64 else v)


class MambaBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm = RMSNorm(cfg["hidden_size"], cfg["layer_norm_epsilon"])
        self.mixer = Mamba2Mixer(cfg)

    def forward(self, x, ctx):
        return x + self.mixer(self.norm(x), ctx["chunk"], ctx["reset"])


# ---------------------------------------------------------------------------------------------------------
# Attention decoder layer (spec §9): qk-norm, rotate-half RoPE, GQA, optional sliding window, SwiGLU.


def rope(x, theta):
    """x (b, T, H, D) at positions 0..T-1: pairs (j, j + D/2) rotate by pos·theta^(−2j/D)."""
    T, D = x.shape[1], x.shape[3]
    inv = theta ** (-(2 * torch.arange(D // 2, dtype=torch.float64, device=x.device)) / D)
    ang = torch.arange(T, dtype=torch.float64, device=x.device)[:, None] * inv[None]
    ft = torch.float64 if x.dtype == torch.float64 else torch.float32
    cos, sin = ang.cos().to(ft)[None, :, None], ang.sin().to(ft)[None, :, None]
    x1, x2 = x[..., : D // 2].to(ft), x[..., D // 2:].to(ft)
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1).to(x.dtype)


def causal_attention(q, k, v, window):
    """q (b, Hq, T, D), k, v (b, Hkv, T, D) → (b, Hq, T, D); query t sees keys max(0, t−W)..t (W = 0: all)."""
    G = q.shape[1] // k.shape[1]
    if G > 1:
        k, v = k.repeat_interleave(G, dim=1), v.repeat_interleave(G, dim=1)
    T = q.shape[2]
    fast = hasattr(F, "scaled_dot_product_attention") and q.is_cuda
    if window <= 0 and fast:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    i = torch.arange(T, device=q.device)
    mask = i[None, :] <= i[:, None]
    if window > 0:
        mask &= i[None, :] >= i[:, None] - window
    if fast:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    s = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    return torch.softmax(s.masked_fill(~mask, float("-inf")), dim=-1) @ v


class SelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, hd = cfg["hidden_size"], cfg["head_dim"]
        self.H, self.Hkv, self.hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], hd
        self.q_proj, self.k_proj = linear(d, self.H * hd), linear(d, self.Hkv * hd)
        self.v_proj, self.o_proj = linear(d, self.Hkv * hd), linear(self.H * hd, d)
        self.qk_norm = cfg["qk_norm"]
        if self.qk_norm:
            self.q_norm, self.k_norm = RMSNorm(hd, cfg["rms_norm_eps"]), RMSNorm(hd, cfg["rms_norm_eps"])
        self.theta = cfg["rope_theta"]

    def forward(self, h, window):
        b, T, _ = h.shape
        q = self.q_proj(h).view(b, T, self.H, self.hd)
        k = self.k_proj(h).view(b, T, self.Hkv, self.hd)
        v = self.v_proj(h).view(b, T, self.Hkv, self.hd)
        if self.qk_norm:
            q, k = self.q_norm(q).to(v.dtype), self.k_norm(k).to(v.dtype)
        q, k = rope(q, self.theta), rope(k, self.theta)
        a = causal_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), window)
        return self.o_proj(a.transpose(1, 2).reshape(b, T, self.H * self.hd))


class DecoderBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["rms_norm_eps"]
        self.input_layernorm = RMSNorm(d, eps)
        self.self_attn = SelfAttention(cfg)
        self.post_attention_layernorm = RMSNorm(d, eps)
        self.mlp = SwiGLU(d, cfg["intermediate_size"])
        self.window = cfg.get("sliding_window", 0) if cfg["architecture"] == "swa_hsa" else 0

    def forward(self, x, ctx):
        x = x + self.self_attn(self.input_layernorm(x).to(x.dtype), self.window)
        return x + self.mlp(self.post_attention_layernorm(x).to(x.dtype))
