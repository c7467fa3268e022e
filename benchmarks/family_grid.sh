#!/usr/bin/env bash
# Issue 13's grid with models that never saw the data set they are scored on: each data set D is evaluated
# (standard protocol: zero-shot, probe few-shot k=1,2,3,5,10 x 3 seeds and full-shot, random-init, MiniRocket,
# fused, majority) with the family member FAMILY/without-D/model, then the targets over all five files.
#
#   bash benchmarks/cpu_pretrain_family.sh                       # the family, once
#   FAMILY=/tmp/lodo-family-cpu-small-sparse-1500 bash benchmarks/family_grid.sh
#
# Writes OUT/D/results.{json,md} (default OUT=docs/eval/family); the CPU schedule of docs/eval (every split
# capped at 400 evenly spaced windows, probe adaptation) unless MAX_WINDOWS / ADAPT / DEVICE say otherwise.
set -euo pipefail
export PYTHONPATH=$PWD/src:${PYTHONPATH:-} MOTIONFM_CACHE=${MOTIONFM_CACHE:-/tmp/motionfm-cache}
export MOTIONFM_DATA=${MOTIONFM_DATA:-$(cd .. && pwd)/shared/data}
python=${PYTHON:-python3}
logs=$(mktemp -d)
family=${FAMILY:?set FAMILY to a folder written by motionfm pretrain-family}
out=${OUT:-docs/eval/family}
datasets=${DATASETS:-uci-har dsads usc-had utd-mhad wharf}
mkdir -p "$out"
for ds in $datasets; do
    model=$family/without-$ds/model
    [ -f "$model/config.json" ] || { echo "no member $model (train it with benchmarks/cpu_pretrain_family.sh)" >&2; exit 2; }
    $python -m motionfm.cli evaluate --model "$model" --datasets "$ds" --shots 1,2,3,5,10 --seeds 3 --adapt "${ADAPT:-probe}" \
        --features motionfm,motionfm+minirocket --max-windows "${MAX_WINDOWS:-400}" --device "${DEVICE:-cpu}" \
        --resume --out "$out/$ds" > "$logs/$ds.log" 2>&1 || { tail -5 "$logs/$ds.log"; exit 1; }
    echo "$ds: $out/$ds/results.md (log: $logs/$ds.log)"
done
$python "$(dirname "$0")/eval_targets.py" $(for ds in $datasets; do echo "$out/$ds/results.json"; done) --table
