"""Trains one shipped model on byte-level passkey (+ multi-key) retrieval or the task mixture; exports it.

Usage: python3 training/train.py --model NAME [--mixture] [--time-budget S] [--seed N] [--smoke]

Recipe (../shared/design/training-notes.md, made stable to the end):
1. Length curriculum (default 512 → 1024 → 2048 → 4096) at a fixed number of tokens per step; move on when
   the exact match of the passkey items' answers (with the mixture: of every retrieval item's answer) — the
   answer bytes and the stop byte, i.e. what greedy decoding needs — over the last 25 batches (scored before
   their update) reaches 0.9, or when a stage has used its share of the time budget.
2. Loss: mean next-byte cross-entropy over all positions + answer_weight × the mean over the answer bytes
   (e.g. key digits, and the stop byte).
3. RAMba only: the Mamba state (conv and SSM) restarts every `mamba_reset` tokens during training, so that
   answers must come through HSA. Inference never resets.
4. AdamW (0.9, 0.95), weight decay 0.1 on matrices, clip 1.0, bf16 autocast, lr warm-up then constant; once
   the last stage holds ≥ 0.99 (after a minimum number of steps there) — or when the budget is nearly spent —
   the lr decays linearly to 5% and training stops.
5. Export models/NAME/model.safetensors in bf16 and training/logs/NAME.json (loss curve, stage times, checks).
Data: the harness's own passkey generator (training/data.py) on the `train` split only, plus a fraction of
training-only multi-key samples; with `mixture` (--mixture), the weighted task mixture of training/mixture.py
instead (the suite's tasks on the `train` split, Austen training part only, plus language-model windows).
Evaluation samples (split `eval`) can never appear, since a secret's split is a function of the secret itself
(datasets/PRNG.md). Settings come from the config's "_training" object (ignored by the harness), then the flags.
"""

import argparse
import contextlib
import json
import math
import os
import shlex
import sys
import time

T_START = time.time()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mixture  # noqa: E402
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
    "mixture": None,  # null: passkey + multi-key; true: mixture.WEIGHTS; {task: weight}: those weights
    "align_jitter": 255,
    "em_with_stop": True,
    "seed": 1,
    "heldout_lengths": [4096, 8192],
    "heldout_samples": 32,
}


class Batches:
    """Training batches from the train split, as rows of `length` input tokens with targets shifted by one:
    passkey samples of the harness's generator plus a fraction of multi-key samples, or with `weights` draws
    of the task mixture (training/mixture.py).

    Each row is prompt + answer + stop byte + r + 1 pad bytes (targets ignored), r uniform in [0, jitter]: the
    answer ends anywhere relative to chunk (64) and Mamba-reset (256) boundaries, as in evaluation, where a
    prompt of exactly L tokens puts the answer right after a boundary. jitter = 0 is the earlier layout: no
    pad, the stop byte is the row's last target. A mixture row leaves room for its task's longest answer, so
    a shorter answer adds to the pad; a language-model row has no answer. `exact=True` builds the evaluation
    layout instead: prompts of exactly `length` tokens and rows with room for the longest answer after them.
    `tasks` names the task ids that `make` returns.
    """

    def __init__(self, seed, multikey_fraction, jitter=0, weights=None):
        self.seed, self.frac, self.jitter, self.weights, self.count = seed, multikey_fraction, jitter, weights, 0
        self.rng = Rng(seed_from(["train-stream", seed]))
        self.tasks = [t for t in mixture.TASKS if weights.get(t, 0) > 0] if weights else ["passkey", "multikey"]
        # The longest answer with its stop byte (multi-key keys are passkey keys).
        self.room = max(mixture.ANSWER_ROOM[t] for t in self.tasks) if weights else mixture.ANSWER_ROOM["passkey"]

    def make(self, batch, length, exact=False):
        total = length + self.room + 1 if exact else length + 1
        bodies, starts, widths, tasks = zip(*(self._mixture_rows if self.weights else self._passkey_rows)(
            batch, length, exact))
        data = torch.frombuffer(bytearray(b"".join(b + b"\n" * (total - len(b)) for b in bodies)),
                                dtype=torch.uint8).view(batch, total).long()
        x, y = data[:, :-1], data[:, 1:].clone()
        for i, body in enumerate(bodies):
            if len(body) < total:
                y[i, len(body) - total:] = -100  # targets after the stop byte are not part of the sample
        return x, y, torch.tensor(starts), torch.tensor(widths), torch.tensor(tasks)

    def _passkey_rows(self, batch, length, exact):
        """(prompt + key + ".", target index of the first key byte, key digits, task id) per row."""
        rows = []
        n_mk = int(round(batch * self.frac))
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
            rows.append((s["prompt"] + s["answer"] + b".", len(s["prompt"]) - 1, width, int(multikey)))
        return rows

    def _mixture_rows(self, batch, length, exact):
        """(prompt + answer with its stop byte, target index of the first answer byte, answer bytes without
        the stop byte, task id) per row."""
        rows = []
        for _ in range(batch):
            pad = self.rng.uniform_int(0, min(self.jitter, length // 4)) + 1 if self.jitter and not exact else 0
            self.count += 1
            n = length if exact else length + 1 - pad
            prompt, answer, task = mixture.draw(n, self.seed, self.count, self.weights, fit_answer=not exact)
            rows.append((prompt + answer, len(prompt) - 1, max(len(answer) - 1, 0), self.tasks.index(task)))
        return rows


def answer_masks(targets, start, width):
    """(B, T) masks: answer bytes, and answer bytes + stop byte (both empty in rows without an answer)."""
    pos = torch.arange(targets.shape[1], device=targets.device)[None]
    s, w = start[:, None], width[:, None]
    key = (pos >= s) & (pos < s + w)
    return key, key | ((pos == s + w) & (w > 0))


def autocast(device):
    """bf16 autocast on a GPU; plain fp32 elsewhere (CPU debugging)."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else contextlib.nullcontext()


def gpu_name():
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"


@torch.no_grad()
def heldout_check(model, lengths, samples, device, weights=None, seed=1000003):
    """Teacher-forced exact match of answer + stop byte (and of the answer alone) on held-out train-split
    samples laid out as in evaluation (prompt of exactly L tokens), per task: passkey, or each retrieval task
    of the mixture that fits L (`samples` each). A progress check, not the evaluation."""
    model.eval()
    out = {}
    for L in lengths:
        tasks = ([t for t in mixture.TASKS if t != "lm" and weights.get(t, 0) > 0 and mixture.MIN_LENGTH[t] <= L]
                 if weights else ["passkey"])
        out[str(L)] = {}
        for task in tasks:
            hits, hits_answer, n = 0, 0, 0
            gen = Batches(seed + L, 0.0, weights={task: 1.0} if weights else None)
            bs = max(1, min(8, 16384 // L))
            while n < samples:
                x, y, start, width, _ = gen.make(min(bs, samples - n), L, exact=True)
                x, y, start, width = x.to(device), y.to(device), start.to(device), width.to(device)
                with autocast(device):
                    logits = model(x)
                answer, with_stop = answer_masks(y, start, width)
                hit = logits.argmax(-1) == y
                hits += int((hit | ~with_stop).all(-1).sum())
                hits_answer += int((hit | ~answer).all(-1).sum())
                n += x.shape[0]
            out[str(L)][task] = {"with_stop": hits / n, "answer_only": hits_answer / n}
    model.train()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="folder under models/ with config.json")
    ap.add_argument("--time-budget", type=float, default=None, help="training seconds (default: config)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out-dir", default=None, help="where model.safetensors goes (default models/NAME)")
    ap.add_argument("--log", default=None, help="JSON log path (default training/logs/NAME.json)")
    ap.add_argument("--mixture", action="store_true",
                    help="train on the task mixture (training/mixture.py): the config's _training.mixture weights, "
                         "else the default ones")
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
    if args.mixture and not tc["mixture"]:
        tc["mixture"] = True
    if tc["mixture"]:
        tc["mixture"] = mixture.check_weights(mixture.WEIGHTS if tc["mixture"] is True else tc["mixture"])
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
    batches = Batches(tc["seed"], tc["multikey_fraction"], tc["align_jitter"], tc["mixture"])
    tasks = batches.tasks
    # The tasks whose exact match moves the curriculum on: passkey, or every retrieval task of the mixture.
    advance = torch.tensor([t != "lm" if tc["mixture"] else t == "passkey" for t in tasks], device=device).float()
    stages, budget = tc["stages"], tc["time_budget_s"]
    print(f"[{args.model}] {n_params} parameters on {gpu_name()}; torch {torch.__version__}; "
          f"stages {stages}; budget {budget:.0f} s; reset {tc['mamba_reset']}; "
          f"data {tc['mixture'] or 'passkey + multi-key'}", flush=True)

    history, stage_log, em_hist = [], [], []
    stage, stage_t0, stage_step0 = 0, time.time(), 0
    decay_from, decay_steps, step, lr_decay0 = None, 0, 0, tc["lr"]
    t_train0 = time.time()
    pending = []  # per-step GPU scalars, read every `window` steps (avoids a sync per step)
    smoke_times = {}
    while True:
        L = stages[stage]
        B = max(1, tc["tokens_per_step"] // L)
        x, y, start, width, task = batches.make(B, L)
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        start, width, task = start.to(device), width.to(device), task.to(device)
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
        ans_loss = (ce * ans).sum() / ans.sum().clamp_min(1)  # a batch of language-model rows has no answer
        byte_loss = ce.sum() / (y >= 0).sum()
        loss = byte_loss + tc["answer_weight"] * ans_loss
        hit = logits.argmax(-1) == y
        ok_key = (hit | ~key).all(-1).float()
        # Answer and the stop byte (what greedy decoding needs), or the answer alone (the earlier rule).
        ok = (hit | ~ans).all(-1).float() if tc["em_with_stop"] else ok_key
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), tc["clip"])
        opt.step()
        # Per task: rows, exact matches, exact matches without the stop byte (sums of 0/1: exact in fp32).
        rows = F.one_hot(task, len(tasks)).float()
        hits, hits_key, counts = (ok[:, None] * rows).sum(0), (ok_key[:, None] * rows).sum(0), rows.sum(0)
        pending.append(torch.cat([torch.stack([loss.detach(), ans_loss.detach(), byte_loss.detach(), gnorm.detach(),
                                               (hits * advance).sum() / (counts * advance).sum().clamp_min(1)]),
                                  hits, hits_key, counts]))
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
        em = vals[:, 4].mean().item()  # the mean over the window's steps of each step's advance-task match
        em_hist.append(em)
        hits, hits_key, counts = vals[:, 5:].reshape(len(vals), 3, len(tasks)).sum(0)
        adv = advance.cpu()
        elapsed = time.time() - t_train0
        rec = {"step": step, "t": round(elapsed, 1), "len": L, "loss": round(vals[:, 0].mean().item(), 4),
               "answer_loss": round(vals[:, 1].mean().item(), 4), "byte_loss": round(vals[:, 2].mean().item(), 4),
               "em": round(em, 4),
               "em_without_stop": round(((hits_key * adv).sum() / (counts * adv).sum().clamp_min(1)).item(), 4),
               "em_by_task": {t: round((hits[i] / counts[i]).item(), 4)
                              for i, t in enumerate(tasks) if t != "lm" and counts[i]},
               "rows_by_task": {t: int(counts[i]) for i, t in enumerate(tasks)}, "lr": lr,
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
    check = ({} if args.smoke else
             heldout_check(model, tc["heldout_lengths"], tc["heldout_samples"], device, tc["mixture"]))
    log = {"model": args.model, "parameters": n_params, "device": gpu_name(), "torch": torch.__version__,
           "training": tc, "steps": step, "train_seconds": round(train_s, 1),
           "wall_seconds_to_export": round(t_export, 1), "stages": stage_log, "history": history,
           "heldout_train_split_teacher_forced_em": check, "checkpoint_bytes": os.path.getsize(ckpt),
           "command": shlex.join(["python3", "training/train.py", *sys.argv[1:]])}
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "w") as f:
        json.dump(log, f, indent=1)
    print(f"[{args.model}] done: {step} steps, train {train_s:.1f} s, wall to export {t_export:.1f} s, "
          f"held-out check {check}, wrote {ckpt} ({os.path.getsize(ckpt)} bytes) and {log_path}", flush=True)


if __name__ == "__main__":
    main()
