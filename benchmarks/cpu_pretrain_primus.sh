#!/usr/bin/env bash
# The PRIMUS recipe on the 2-core CPU (1,500 steps x 256 windows, about 30 min), then issue 13's grid for it:
# the same command and schedule as docs/eval (the bundled UniMTS-style model), so both seed systems are
# compared on one protocol (zero-shot, probe k=1,2,3,5,10 x 3 seeds and full-shot, random-init PRIMUS,
# MiniRocket, fused, majority; every split capped at 400 windows).
#   motionfm pretrain --config configs/primus.yaml --export-pack PACK   (or the default model's pack: same data)
#   bash benchmarks/cpu_pretrain_primus.sh PACK OUT [STEPS]     # PACK=none reads the sources (cached simulation)
# The grid goes to EVAL_OUT (default OUT/eval).
set -euo pipefail
pack=$1; out=$2; steps=${3:-1500}; eval_out=${EVAL_OUT:-$out/eval}
mkdir -p "$out"
cfg=$out/primus-cpu.yaml
sed "s#^out_dir:.*#out_dir: $out#; s#^warmup_steps:.*#warmup_steps: 150#; s#^checkpoint_every:.*#checkpoint_every: 250#; s#^device:.*#device: cpu#" \
    configs/primus.yaml > "$cfg"
if [ "$pack" != none ]; then echo "data_pack: $pack" >> "$cfg"; fi
/usr/bin/time -f "primus pretrain wall %e s" motionfm pretrain --config "$cfg" --steps "$steps" --resume
/usr/bin/time -f "primus grid wall %e s" motionfm evaluate --model "$out/model" \
    --datasets uci-har,dsads,usc-had,utd-mhad,wharf --shots 1,2,3,5,10 --seeds 3 --adapt probe \
    --features motionfm,motionfm+minirocket --max-windows 400 --device cpu --resume --out "$eval_out"
python3 "$(dirname "$0")/eval_targets.py" "$eval_out/results.json" --table
