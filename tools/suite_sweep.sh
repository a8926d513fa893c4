#!/usr/bin/env bash
# The task-suite sweep behind the model cards' per-task tables (tools/card_tasks.ts reads its folders).
#   tools/suite_sweep.sh OUT_DIR [bench flags...]     e.g. tools/suite_sweep.sh runs/suite --backend cuda --dtype f32
# For each model (MODELS, comma list; default the four shipped ones), in parallel, three sweeps into
# OUT_DIR/<model>-{short,multi,long}, log in OUT_DIR/<model>.log:
#   short  every task that fits 4K tokens (passkey, niah_single, variable_tracking, common_words,
#          frequent_words, lm_bpb) at 4K, 8K and 16K
#   multi  the multi-needle NIAH tasks (at least ~5.2K tokens) at 8K and 16K
#   long   passkey, niah_single and lm_bpb at 32K and 64K
#   xl     passkey, niah_single and niah_multikey at 256K and 1M, and lm_bpb at 128K (the eval text's
#          distinct length caps it below 256K), XL_SAMPLES samples each (default 3); not for the models in
#          XL_SKIP (default transformer-tiny: quadratic attention, and at chance from 32K on)
# Depths 0.1, 0.5 and 0.9, SAMPLES samples each (default 10), eval split. Extra flags go to every sweep.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: tools/suite_sweep.sh OUT_DIR [bench flags...]}
shift
models=${MODELS:-ramba-tiny,transformer-tiny,mamba2-tiny,swa-hsa-tiny}
xl_skip=${XL_SKIP-transformer-tiny}
common=(--depths 0.1,0.5,0.9 --samples "${SAMPLES:-10}" --cell-timeout 120 "$@")
xl=(--depths 0.1,0.5,0.9 --samples "${XL_SAMPLES:-3}" --cell-timeout 300 "$@")
mkdir -p "$out"
for m in ${models//,/ }; do
  (
    deno task bench --model "$m" --out "$out/$m-short" --lengths 4k,8k,16k "${common[@]}" \
      --task passkey,niah_single,variable_tracking,common_words,frequent_words,lm_bpb
    deno task bench --model "$m" --out "$out/$m-multi" --lengths 8k,16k "${common[@]}" \
      --task niah_multikey,niah_multivalue,niah_multiquery
    deno task bench --model "$m" --out "$out/$m-long" --lengths 32k,64k "${common[@]}" \
      --task passkey,niah_single,lm_bpb
    if [[ ",$xl_skip," != *",$m,"* ]]; then
      deno task bench --model "$m" --out "$out/$m-xl" --lengths 256k,1M "${xl[@]}" \
        --task passkey,niah_single,niah_multikey
      deno task bench --model "$m" --out "$out/$m-xl-lm" --lengths 128k "${xl[@]}" --task lm_bpb
    fi
  ) >"$out/$m.log" 2>&1 &
done
wait
echo "suite_sweep: done; logs in $out/*.log"
