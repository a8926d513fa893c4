#!/usr/bin/env bash
# Trains the four shipped models (training/train.py) and writes their golden vectors (training/golden.py).
# With several GPUs the models train in parallel, one per GPU; with one, one after another.
# Extra arguments go to every train.py, e.g. `training/train_all.sh --time-budget 120`.
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=(ramba-tiny transformer-tiny mamba2-tiny swa-hsa-tiny)
NGPU=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
[ "$NGPU" -ge 1 ] || NGPU=1
mkdir -p training/logs
echo "== $(date -u +%FT%TZ) training ${MODELS[*]} on $NGPU GPU(s): $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | sort | uniq -c | xargs)"
pids=()
for i in "${!MODELS[@]}"; do
  m=${MODELS[$i]}
  gpu=$((i % NGPU))
  CUDA_VISIBLE_DEVICES=$gpu python3 training/train.py --model "$m" "$@" >"training/logs/$m.out" 2>&1 &
  pids+=($!)
  # With fewer GPUs than models, wait for a wave to finish before starting the next.
  if [ $(((i + 1) % NGPU)) -eq 0 ]; then
    for p in "${pids[@]}"; do wait "$p"; done
    pids=()
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
for m in "${MODELS[@]}"; do tail -n 1 "training/logs/$m.out"; done
echo "== golden vectors"
for m in "${MODELS[@]}"; do python3 training/golden.py --model "$m"; done
