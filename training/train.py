"""Trains one shipped model on byte-level passkey (+ multi-key) retrieval and exports its checkpoint.

Usage: python3 training/train.py --model NAME [--time-budget S] [--seed N] [--smoke]

Recipe (../shared/design/training-notes.md, made stable to the end):
1. Length curriculum (default 512 → 1024 → 2048 → 4096) at a fixed number of tokens per step; move on when
   the exact match of the passkey items' answers — key digits and the stop byte, i.e. what greedy decoding
   needs — over the last 25 batches (scored before their update) reaches 0.9, or when a stage has used its
   share of the time budget.
2. Loss: mean next-byte cross-entropy over all positions + answer_weight × the mean over the answer bytes
   (key digits and the stop byte).
3. RAMba only: the Mamba state (conv and SSM) restarts every `mamba_reset` tokens during training, so that
   answers must come through HSA. Inference never resets.
4. AdamW (0.9, 0.95), weight decay 0.1 on matrices, clip 1.0, bf16 autocast, lr warm-up then constant; once
   the last stage holds ≥ 0.99 (after a minimum number of steps there) — or when the budget is nearly spent —
   the lr decays linearly to 5% and training stops.
5. Export models/NAME/model.safetensors in bf16 and training/logs/NAME.json (loss curve, stage times, checks).
Data: the harness's own passkey generator (training/data.py) on the `train` split only; evaluation samples
(split `eval`) can never appear, since a key's split is a function of the key itself (datasets/PRNG.md).
Settings come from the config's "_training" object (ignored by the harness), then the flags.
"""

import argparse
import contextlib
import json
import math
import os
import sys
import time

T_START = time.time()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import Rng, multikey_sample, passkey_sample, seed_from  # noqa: E402
from model import LongContextLM, export_state, load_config, save_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULTS = {
    "stages": [512, 1024, 2048, 4096],
    "tokens_per_step": 32768,
    "lr": 1e-3,
    "warmup_steps": 100,
    "weight_decay": 0.1,
    "betas": [0.9, 0.95],
    "clip": 1.0,
    "answer_weight": 5.0,
    "mamba_reset": 0,
    "advance_em": 0.9,
    "window": 25,
    "final_em": 0.99,
    "min_final_steps": 400,
    "decay_seconds": 50,
    "time_budget_s": 360,
    "stage_time_share": [0.15, 0.15, 0.2],
    "multikey_fraction": 0.125,
    "align_jitter": 255,
    "em_with_stop": True,
    "seed": 1,
    "heldout_lengths": [4096, 8192],
    "heldout_samples": 32,
}


class Batches:
    """Training batches from the train split: passkey samples of the harness's generator plus a fraction of
    multi-key samples, as rows of `length` input tokens with targets shifted by one.

    Each row is prompt + key + "." + r + 1 pad bytes (targets ignored), r uniform in [0, jitter]: the answer
    ends anywhere relative to chunk (64) and Mamba-reset (256) boundaries, as in evaluation, where a prompt of
    exactly L tokens puts the answer right after a boundary. jitter = 0 is the earlier layout: no pad, the
    stop byte is the row's last target. `exact=True` builds the evaluation layout instead:
    prompts of exactly `length` tokens and rows of length + 8 tokens.
    """

    def __init__(self, seed, multikey_fraction, jitter=0):
        self.seed, self.frac, self.jitter, self.count = seed, multikey_fraction, jitter, 0
        self.rng = Rng(seed_from(["train-stream", seed]))

    def make(self, batch, length, exact=False):
        rows, ans, widths, pads, is_pk = [], [], [], [], []
        n_mk = int(round(batch * self.frac))
        total = length + 9 if exact else length + 1
        for i in range(batch):
            multikey = i >= batch - n_mk
            n_keys = 2 + self.rng.uniform_int(0, 1 if length <= 512 else 2)
            depth = self.rng.next_float()
            r = self.rng.uniform_int(0, min(self.jitter, length // 4)) if self.jitter else -1
            # prompt + key + "." + pad = total bytes: guess the key width, keep the sample if right.
            while True:
                self.count += 1
                width = self.rng.uniform_int(5, 7)
                n = length if exact else length - width - 1 - r
                s = (multikey_sample(n, self.seed, self.count, n_keys) if multikey
                     else passkey_sample(n, depth, self.seed, self.count, "train"))
                if len(s["answer"]) == width:
                    break
            body = s["prompt"] + s["answer"] + b"."
            pad = total - len(body)
            rows.append(body + b"\n" * pad)
            ans.append(len(s["prompt"]) - 1)  # target index of the first answer byte
            widths.append(width)
            pads.append(pad)
            is_pk.append(not multikey)
        data = torch.frombuffer(bytearray(b"".join(rows)), dtype=torch.uint8).view(batch, total).long()
        x, y = data[:, :-1], data[:, 1:].clone()
        for i, pad in enumerate(pads):
            if pad:
                y[i, -pad:] = -100  # targets after the stop byte are not part of the sample
        return x, y, torch.tensor(ans), torch.tensor(widths), torch.tensor(is_pk)


def answer_masks(targets, start, width):
    """(B, T) masks: key digits, and key digits + stop byte."""
    pos = torch.arange(targets.shape[1], device=targets.device)[None]
    s, w = start[:, None], width[:, None]
    key = (pos >= s) & (pos < s + w)
    return key, key | (pos == s + w)


def autocast(device):
    """bf16 autocast on a GPU; plain fp32 elsewhere (CPU debugging)."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else contextlib.nullcontext()


def gpu_name():
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"


@torch.no_grad()
def heldout_check(model, lengths, samples, device, seed=1000003):
    """Teacher-forced exact match of key + stop byte (and of the key digits alone) on held-out train-split
    samples laid out as in evaluation (prompt of exactly L tokens): a progress check, not the evaluation."""
    model.eval()
    out = {}
    for L in lengths:
        hits, hits_key, n = 0, 0, 0
        gen = Batches(seed + L, 0.0)
        bs = max(1, min(8, 16384 // L))
        while n < samples:
            x, y, start, width, _ = gen.make(min(bs, samples - n), L, exact=True)
            x, y, start, width = x.to(device), y.to(device), start.to(device), width.to(device)
            with autocast(device):
                logits = model(x)
            key, ans = answer_masks(y, start, width)
            hit = logits.argmax(-1) == y
            hits += int((hit | ~ans).all(-1).sum())
            hits_key += int((hit | ~key).all(-1).sum())
            n += x.shape[0]
        out[str(L)] = {"key_and_stop": hits / n, "key_digits": hits_key / n}
    model.train()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="folder under models/ with config.json")
    ap.add_argument("--time-budget", type=float, default=None, help="training seconds (default: config)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out-dir", default=None, help="where model.safetensors goes (default models/NAME)")
    ap.add_argument("--log", default=None, help="JSON log path (default training/logs/NAME.json)")
    ap.add_argument("--smoke", action="store_true", help="a few steps per stage, to check memory and speed")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="override a training setting, e.g. --set tokens_per_step=8192")
    args = ap.parse_args()

    mdir = os.path.join(ROOT, "models", args.model)
    cfg = load_config(os.path.join(mdir, "config.json"))
    tc = dict(DEFAULTS)
    tc.update(cfg.get("_training", {}))
    if args.time_budget is not None:
        tc["time_budget_s"] = args.time_budget
    if args.seed is not None:
        tc["seed"] = args.seed
    for kv in args.set:
        k, v = kv.split("=", 1)
        if k not in DEFAULTS:
            raise SystemExit(f"--set: unknown training setting {k!r}; known: {', '.join(DEFAULTS)}")
        tc[k] = json.loads(v)
    out_dir = args.out_dir or mdir
    log_path = args.log or os.path.join(ROOT, "training", "logs", f"{args.model}.json")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(tc["seed"])
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True

    model = LongContextLM(cfg)
    model.reset_parameters(seed=tc["seed"])
    model.to(device)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": tc["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=tc["lr"], betas=tuple(tc["betas"]), **({"fused": True} if device == "cuda" else {}))
    batches = Batches(tc["seed"], tc["multikey_fraction"], tc["align_jitter"])
    stages, budget = tc["stages"], tc["time_budget_s"]
    print(f"[{args.model}] {n_params} parameters on {gpu_name()}; torch {torch.__version__}; "
          f"stages {stages}; budget {budget:.0f} s; reset {tc['mamba_reset']}", flush=True)

    history, stage_log, em_hist, mk_hist = [], [], [], []
    stage, stage_t0, stage_step0 = 0, time.time(), 0
    decay_from, decay_steps, step, lr_decay0 = None, 0, 0, tc["lr"]
    t_train0 = time.time()
    pending = []  # per-step GPU scalars, read every `window` steps (avoids a sync per step)
    smoke_times = {}
    while True:
        L = stages[stage]
        B = max(1, tc["tokens_per_step"] // L)
        x, y, start, width, is_pk = batches.make(B, L)
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        start, width, is_pk = start.to(device), width.to(device), is_pk.to(device)
        # Learning rate: warm-up, constant, then linear decay to 5%.
        if decay_from is None:
            lr = tc["lr"] * min(1.0, (step + 1) / tc["warmup_steps"])
        else:
            lr = lr_decay0 * max(0.05, 1 - 0.95 * (step - decay_from) / max(1, decay_steps))
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.time()
        with autocast(device):
            logits = model(x, mamba_reset=tc["mamba_reset"])
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), y.reshape(-1), reduction="none",
                             ignore_index=-100).view_as(y)
        key, ans = answer_masks(y, start, width)
        ans_loss = (ce * ans).sum() / ans.sum()
        byte_loss = ce.sum() / (y >= 0).sum()
        loss = byte_loss + tc["answer_weight"] * ans_loss
        hit = logits.argmax(-1) == y
        ok_key = (hit | ~key).all(-1).float()
        # Key digits and the stop byte (what greedy decoding needs), or the digits alone (the earlier rule).
        ok = (hit | ~ans).all(-1).float() if tc["em_with_stop"] else ok_key
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), tc["clip"])
        opt.step()
        pending.append(torch.stack([loss.detach(), ans_loss.detach(), byte_loss.detach(), gnorm.detach(),
                                    (ok * is_pk).sum() / is_pk.sum().clamp_min(1),
                                    (ok * ~is_pk).sum() / (~is_pk).sum().clamp_min(1),
                                    (ok_key * is_pk).sum() / is_pk.sum().clamp_min(1)]))
        step += 1
        if args.smoke:
            if device == "cuda":
                torch.cuda.synchronize()
            smoke_times.setdefault(L, []).append(time.time() - t0)
            if len(smoke_times[L]) >= 4:
                peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else 0.0
                print(f"[{args.model}] smoke L={L} B={B}: ms/step {[round(1000 * t) for t in smoke_times[L]]} "
                      f"loss {pending[-1][0].item():.3f} peak {peak:.1f} GiB", flush=True)
                stage += 1
                if stage == len(stages):
                    break
            continue
        if step % tc["window"] and decay_from is None:
            continue
        if decay_from is not None and step < decay_from + decay_steps and step % tc["window"]:
            continue
        # Every `window` steps: read the scalars, log, decide.
        vals = torch.stack(pending).cpu()
        pending = []
        em = vals[:, 4].mean().item()
        em_hist.append(em)
        mk_hist.append(vals[:, 5].mean().item())
        elapsed = time.time() - t_train0
        rec = {"step": step, "t": round(elapsed, 1), "len": L, "loss": round(vals[:, 0].mean().item(), 4),
               "answer_loss": round(vals[:, 1].mean().item(), 4), "byte_loss": round(vals[:, 2].mean().item(), 4),
               "em_passkey": round(em, 4), "em_passkey_digits": round(vals[:, 6].mean().item(), 4),
               "em_multikey": round(mk_hist[-1], 4), "lr": lr,
               "grad_norm": round(vals[:, 3].mean().item(), 3)}
        history.append(rec)
        print(f"[{args.model}] " + " ".join(f"{k}={v}" for k, v in rec.items()), flush=True)
        if decay_from is not None:
            if step >= decay_from + decay_steps or elapsed >= budget:
                break
            continue
        last = stage == len(stages) - 1
        share = tc["stage_time_share"][stage] if stage < len(tc["stage_time_share"]) else 1.0
        if not last and (em >= tc["advance_em"] or time.time() - stage_t0 > share * budget):
            stage_log.append({"len": L, "steps": step - stage_step0, "seconds": round(time.time() - stage_t0, 1),
                              "em": round(em, 4), "passed": em >= tc["advance_em"]})
            print(f"[{args.model}] stage {L} done: {stage_log[-1]}", flush=True)
            stage, stage_t0, stage_step0 = stage + 1, time.time(), step
            continue
        step_time = elapsed / step
        converged = last and em >= tc["final_em"] and step - stage_step0 >= tc["min_final_steps"]
        if converged or elapsed >= budget - tc["decay_seconds"]:
            decay_from, lr_decay0 = step, lr
            decay_steps = max(tc["window"], int(min(tc["decay_seconds"], budget - elapsed) / max(step_time, 1e-3)))
            # Round to whole windows so the last log lands on the last step.
            decay_steps = int(math.ceil(decay_steps / tc["window"]) * tc["window"])
            print(f"[{args.model}] decay from step {step} over {decay_steps} steps "
                  f"({'converged' if converged else 'time'})", flush=True)
    stage_log.append({"len": stages[stage] if stage < len(stages) else stages[-1],
                      "steps": step - stage_step0, "seconds": round(time.time() - stage_t0, 1),
                      "em": round(em_hist[-1], 4) if em_hist else None, "passed": None})
    train_s = time.time() - t_train0
    if device == "cuda":
        torch.cuda.synchronize()

    # Export, then a held-out progress check (train split, never the eval split).
    os.makedirs(out_dir, exist_ok=True)
    meta = {"format": "pt", "model": args.model, "architecture": cfg["architecture"], "parameters": n_params,
            "steps": step, "train_seconds": round(train_s, 1), "device": gpu_name(),
            "torch": torch.__version__, "recipe": "training/train.py", "seed": tc["seed"]}
    ckpt = os.path.join(out_dir, "model.safetensors")
    save_safetensors(ckpt, export_state(model), meta)
    t_export = time.time() - T_START
    check = {} if args.smoke else heldout_check(model, tc["heldout_lengths"], tc["heldout_samples"], device)
    log = {"model": args.model, "parameters": n_params, "device": gpu_name(), "torch": torch.__version__,
           "training": tc, "steps": step, "train_seconds": round(train_s, 1),
           "wall_seconds_to_export": round(t_export, 1), "stages": stage_log, "history": history,
           "heldout_train_split_teacher_forced_em": check, "checkpoint_bytes": os.path.getsize(ckpt),
           "command": f"python3 training/train.py --model {args.model}"}
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "w") as f:
        json.dump(log, f, indent=1)
    print(f"[{args.model}] done: {step} steps, train {train_s:.1f} s, wall to export {t_export:.1f} s, "
          f"held-out check {check}, wrote {ckpt} ({os.path.getsize(ckpt)} bytes) and {log_path}", flush=True)


if __name__ == "__main__":
    main()
