#!/usr/bin/env bash
# The task-suite sweep behind the model cards' per-task tables (tools/card_tasks.ts reads its folders).
#   tools/suite_sweep.sh OUT_DIR [bench flags...]     e.g. tools/suite_sweep.sh runs/suite --backend cuda --dtype f32
# For each model (MODELS, comma list; default the four shipped ones), in parallel, three sweeps into
# OUT_DIR/<model>-{short,multi,long}, log in OUT_DIR/<model>.log:
#   short  every task that fits 4K tokens (passkey, niah_single, variable_tracking, common_words,
#          frequent_words, lm_bpb) at 4K, 8K and 16K
#   multi  the multi-needle NIAH tasks (at least ~5.2K tokens) at 8K and 16K
#   long   passkey, niah_single and lm_bpb at 32K and 64K
# Depths 0.1, 0.5 and 0.9, SAMPLES samples each (default 10), eval split. Extra flags go to every sweep.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: tools/suite_sweep.sh OUT_DIR [bench flags...]}
shift
models=${MODELS:-ramba-tiny,transformer-tiny,mamba2-tiny,swa-hsa-tiny}
common=(--depths 0.1,0.5,0.9 --samples "${SAMPLES:-10}" --cell-timeout 120 "$@")
mkdir -p "$out"
for m in ${models//,/ }; do
  (
    deno task bench --model "$m" --out "$out/$m-short" --lengths 4k,8k,16k "${common[@]}" \
      --task passkey,niah_single,variable_tracking,common_words,frequent_words,lm_bpb
    deno task bench --model "$m" --out "$out/$m-multi" --lengths 8k,16k "${common[@]}" \
      --task niah_multikey,niah_multivalue,niah_multiquery
    deno task bench --model "$m" --out "$out/$m-long" --lengths 32k,64k "${common[@]}" \
      --task passkey,niah_single,lm_bpb
  ) >"$out/$m.log" 2>&1 &
done
wait
echo "suite_sweep: done; logs in $out/*.log"
