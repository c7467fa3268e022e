#!/usr/bin/env bash
# Train the bundled default model on a GPU machine from a data pack, after measuring throughput.
#   motionfm pretrain --config configs/default.yaml --export-pack PACK     (on a machine with the data)
#   bash benchmarks/gpu_pretrain_default.sh PACK OUT [SECONDS]              (on the GPU machine)
# The step count is chosen so that training takes about SECONDS (default 360), capped by the config.
set -euo pipefail
pack=$1; out=$2; budget=${3:-360}
mkdir -p "$(dirname "$out")"
export PYTHONPATH=$PWD/src:${PYTHONPATH:-} MOTIONFM_CACHE=/tmp/motionfm-cache PYTHONUNBUFFERED=1
cfg=/tmp/default-pack.yaml
sed "s#^out_dir:.*#out_dir: $out#" configs/default.yaml > $cfg
echo "data_pack: $pack" >> $cfg
python3 benchmarks/bench_pretrain.py --config $cfg --steps 100 | tee /tmp/bench.txt
python3 benchmarks/bench_pretrain.py --config $cfg --steps 20 --encoder unimts-reference --batch 64 | tee -a /tmp/bench.txt
ms=$(grep -m1 -o 'step [0-9.]* ms' /tmp/bench.txt | awk '{print $2}')
steps=$(python3 -c "print(min(8000, int($budget * 1000 / $ms) // 100 * 100))")
echo "training $steps steps (measured $ms ms/step)"
python3 -m motionfm.cli pretrain --config $cfg --steps $steps 2>&1 | tr '\r' '\n' > $out.log || true
grep -E '\| [0-9]+00/' $out.log | awk -F'|' '!seen[$3]++' | awk 'NR % 10 == 0' ; tail -2 $out.log
