#!/usr/bin/env bash
# Issue 16 on the 2-core CPU: the leave-one-data-set-out family + the simulation-only model with one short,
# identical CPU schedule, then the zero-shot tables (benchmarks/gpu_pretrain_family.sh does the rest).
#
#   bash benchmarks/cpu_pretrain_family.sh                      # STEPS=1500, ENCODER=small-sparse
#   STEPS=600 ENCODER=small FAMILY=/tmp/f-small OUT=/tmp/e bash benchmarks/cpu_pretrain_family.sh
#   SEED=1 OUT=docs/eval/lodo-seed1 bash benchmarks/cpu_pretrain_family.sh   # the same schedule, another seed
#
# Schedule (FAMILY/family.json records it): configs/default.yaml with batch 64, lr 1e-3, 60 warm-up steps,
# cosine decay over STEPS, fp32 on the CPU, seed SEED (0), and the encoder ENCODER. small-sparse (present joints only,
# the same parameters as small) is the CPU default here because it trains ~5x faster than small on 2 cores
# (bench_pretrain.py: 232-291 vs 47 windows/s at batch 64), so 1,500 steps x 64 windows (96k windows, 4.8 % of
# the bundled model's 2.0M) take about 6-7 min per member, 40 min for six. Rerun the same command after an
# interruption: finished members are kept, a member with a checkpoint continues.
set -euo pipefail
steps=${STEPS:-1500}
encoder=${ENCODER:-small-sparse}
seed=${SEED:-0}
suffix=; [ "$seed" = 0 ] || suffix=-seed$seed
export FAMILY=${FAMILY:-/tmp/lodo-family-cpu-$encoder-$steps$suffix}
export OUT=${OUT:-docs/eval/lodo}
cfg=$(mktemp --suffix=.yaml)
trap 'rm -f "$cfg"' EXIT
. "$(dirname "$0")/_cpu_config.sh"
cpu_config configs/default.yaml "$encoder" | sed "s#^seed:.*#seed: $seed#" > "$cfg"
grep -q "^seed: $seed$" "$cfg" || { echo "configs/default.yaml has no 'seed:' line to set" >&2; exit 2; }
CONFIG=$cfg STEPS=$steps bash "$(dirname "$0")/gpu_pretrain_family.sh"
