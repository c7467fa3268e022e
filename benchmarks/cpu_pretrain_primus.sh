#!/usr/bin/env bash
# The PRIMUS run reported in README (2-core CPU, about 30 min), then its evaluation.
#   motionfm pretrain --config configs/primus.yaml --export-pack PACK   (or the default model's pack: same data)
#   bash benchmarks/cpu_pretrain_primus.sh PACK OUT [STEPS]
set -euo pipefail
pack=$1; out=$2; steps=${3:-1500}
cfg=/tmp/primus-pack.yaml
sed "s#^out_dir:.*#out_dir: $out#; s#^warmup_steps:.*#warmup_steps: 150#; s#^checkpoint_every:.*#checkpoint_every: 250#" \
    configs/primus.yaml > $cfg
echo "data_pack: $pack" >> $cfg
python3 -m motionfm.cli pretrain --config $cfg --steps "$steps" --resume
motionfm evaluate --model "$out/model" --datasets uci-har,dsads,usc-had,utd-mhad,wharf --settings zero-shot,full-shot --adapt probe \
    --seeds 2 --baselines random-init --out "$out/eval"
