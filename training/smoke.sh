#!/usr/bin/env bash
# A quick check of the recipe on a GPU machine (a few minutes): per-stage step time and peak memory of
# every model, a short real training run of each (SHORT seconds), golden vectors from those checkpoints,
# and the bf16-autocast GPU forward against the float64 CPU forward on the same weights.
# Usage: training/smoke.sh OUTDIR [SHORT [TRAIN_FLAGS...]]   (checkpoints land in OUTDIR/ckpt, logs in
# OUTDIR/smoke.tgz; TRAIN_FLAGS go to every train.py, e.g. `training/smoke.sh /tmp/s 60 --mixture`)
set -uo pipefail
cd "$(dirname "$0")/.."
OUTDIR=${1:?usage: training/smoke.sh OUTDIR [SHORT [TRAIN_FLAGS...]]}
SHORT=${2:-60}
TRAIN_FLAGS=("${@:3}")
MODELS=(ramba-tiny transformer-tiny mamba2-tiny swa-hsa-tiny)
W=$(mktemp -d)
mkdir -p "$OUTDIR/ckpt"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__, 'gpus', torch.cuda.device_count())"
NGPU=$(nvidia-smi -L | grep -c '^GPU')
t0=$(date +%s)
for i in "${!MODELS[@]}"; do
  m=${MODELS[$i]}
  (
    export CUDA_VISIBLE_DEVICES=$((i % NGPU))
    python3 training/train.py --model "$m" --smoke --out-dir "$W/s-$m" --log "$W/$m-smoke.json" "${TRAIN_FLAGS[@]}" \
      >"$W/$m-smoke.out" 2>&1
    python3 training/train.py --model "$m" --time-budget "$SHORT" --set heldout_samples=16 \
      --log "$W/$m-short.json" "${TRAIN_FLAGS[@]}" >"$W/$m-short.out" 2>&1
  ) &
  if [ $(((i + 1) % NGPU)) -eq 0 ]; then wait; fi
done
wait
echo "== training done in $(($(date +%s) - t0)) s"
for m in "${MODELS[@]}"; do grep -h "smoke L=\|done:\|Error\|error" "$W/$m-smoke.out" "$W/$m-short.out" | tail -n 8; done
for m in "${MODELS[@]}"; do
  cp "models/$m/model.safetensors" "$OUTDIR/ckpt/$m.safetensors"
  python3 training/golden.py --model "$m" --out "$W/golden-$m.json" 2>&1 | tail -n 3
done
python3 - <<'PY'
import sys, torch
sys.path.insert(0, "training")
from data import passkey_sample
from model import load_model
for m in ["ramba-tiny", "transformer-tiny", "mamba2-tiny", "swa-hsa-tiny"]:
    ids = torch.tensor([list(passkey_sample(2048, 0.4, 7, 0, "train")["prompt"])])
    ref = load_model(f"models/{m}", torch.float64)(ids)[0]
    gpu = load_model(f"models/{m}", torch.float32).cuda()
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        got = gpu(ids.cuda())[0].double().cpu()
    err = ((got - ref).abs().max() / ref.abs().max()).item()
    agree = (got.argmax(-1) == ref.argmax(-1)).double().mean().item()
    print(f"{m}: bf16 GPU vs f64 CPU logits: max rel err {err:.3e}, argmax agreement {agree:.4f}")
PY
tar czf "$OUTDIR/smoke.tgz" -C "$W" .
echo "== smoke done in $(($(date +%s) - t0)) s"
