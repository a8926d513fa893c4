"""Prints the "Training" facts of a model card from its training log (training/logs/NAME.json), standard
library only.

Usage: python3 training/card_training.py --model NAME
Steps, tokens and times; each curriculum stage; the settings that differ from train.py's DEFAULTS; the
held-out check (train split, teacher-forced, per task and length); and the loss curve at the first window,
each stage's end and the last window, with the exact match of every retrieval task in that window.
"""

import argparse
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASKS = ["passkey", "niah_single", "niah_multikey", "niah_multivalue", "niah_multiquery", "variable_tracking",
         "common_words", "frequent_words"]


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    args = ap.parse_args()
    path = os.path.join(ROOT, "training", "logs", f"{args.model}.json")
    if not os.path.exists(path):
        raise SystemExit(f"no training log {path}: train the model first (training/train.py --model {args.model})")
    with open(path) as f:
        log = json.load(f)
    tc, hist = log["training"], log["history"]
    tokens = log["steps"] * tc["tokens_per_step"]
    print(f"Command: `{log['command']}`\n")
    print(f"- Steps: {log['steps']:,} ({tc['tokens_per_step']:,} tokens each; {tokens / 1e6:.0f}M tokens); training "
          f"{log['train_seconds']} s; wall time from process start to the exported checkpoint "
          f"{log['wall_seconds_to_export']} s. Time budget {tc['time_budget_s']} s. {log['device']}, PyTorch "
          f"{log['torch']}, bf16 autocast.")
    stages = "; ".join(
        f"{s['len']}: {s['steps']} steps, {s['seconds']} s, exact match {s['em']}"
        + (" (passed)" if s["passed"] else " (time share used)" if s["passed"] is False else " (last stage)")
        for s in log["stages"])
    print(f"- Curriculum stages: {stages}.")
    keys = ["stages", "stage_time_share", "mamba_reset", "align_jitter", "em_with_stop", "min_final_steps",
            "decay_seconds", "lr"]
    print("- Settings: " + ", ".join(f"{k} {json.dumps(tc[k])}" for k in keys) + "; task mixture weights "
          + json.dumps(tc["mixture"]) + ".")
    check = log["heldout_train_split_teacher_forced_em"]
    lengths = sorted(check, key=int)
    print("\nHeld-out check at the end (train split, other seeds, teacher-forced exact match of answer and stop "
          f"byte, {tc['heldout_samples']} samples per task and length, prompts of exactly L tokens, bf16 on the "
          "GPU; – = the task does not fit L):\n")
    print(table(["task", *lengths],
                [[t, *(f"{check[L][t]['with_stop']:.2f}" if t in check[L] else "–" for L in lengths)]
                 for t in TASKS if any(t in check[L] for L in lengths)]))
    ends = {0, len(hist) - 1}
    for s in log["stages"]:
        last = [i for i, h in enumerate(hist) if h["len"] == s["len"]]
        if last:
            ends.add(last[-1])
    print("\nLoss curve (every 25 steps in the log; here the first window, each stage's end and the last; loss = "
          f"byte loss + {tc['answer_weight']:g} × answer loss; exact match per task over the window's rows, "
          "answer and stop byte; – = no row of that task in the window):\n")
    rows = []
    for i in sorted(ends):
        h = hist[i]
        em = h.get("em_by_task", {})
        rows.append([h["step"], h["t"], h["len"], f"{h['loss']:.3f}", f"{h['byte_loss']:.3f}",
                     f"{h['answer_loss']:.3f}", *(f"{em[t]:.2f}" if t in em else "–" for t in TASKS),
                     f"{h['lr']:.2e}"])
    print(table(["step", "s", "length", "loss", "byte loss", "answer loss", *TASKS, "lr"], rows))


if __name__ == "__main__":
    main()
