#!/usr/bin/env bash
# Two encoder configs (or two settings of one key) pre-trained at equal steps on the same data pack, then
# one evaluation each (zero-shot where the model did not see the data set, probe full-shot on all five).
#   motionfm pretrain --config configs/default.yaml --export-pack PACK      # the data, once
#   bash benchmarks/cpu_equal_steps.sh PACK OUT [STEPS] [KEY] [VALUE_A] [VALUE_B]
# Default: KEY=encoder, small vs small-sparse (issue 15 item 3), 600 steps x 64 windows, on the CPU schedule of
# benchmarks/_cpu_config.sh (batch 64, lr 1e-3, 60 warm-up steps).
# Any top-level config key works too, e.g. KEY=rotation so3 upright (issue 12 item 9); BASE=configs/sim-only.yaml
# starts from another config, PACK=none reads the sources (cached simulation) instead of a pack, and
# ENCODER=small-sparse sets the encoder when KEY is not encoder.
set -euo pipefail
pack=$1; out=$2; steps=${3:-600}; key=${4:-encoder}; a=${5:-small}; b=${6:-small-sparse}; base=${BASE:-configs/default.yaml}
datasets=uci-har,dsads,usc-had,utd-mhad,wharf
. "$(dirname "$0")/_cpu_config.sh"
for value in "$a" "$b"; do
    run="$out/$key-$value"; cfg="$out/$key-$value.yaml"
    mkdir -p "$out"
    if [ "$key" = encoder ]; then enc=$value; else enc=${ENCODER:-}; fi
    cpu_config "$base" "$enc" | sed "s#^out_dir:.*#out_dir: $run#" > "$cfg"
    if [ "$key" != encoder ]; then echo "$key: $value" >> "$cfg"; fi
    if [ "$pack" != none ]; then echo "data_pack: $pack" >> "$cfg"; fi
    /usr/bin/time -f "$key=$value pretrain wall %e s" motionfm pretrain --config "$cfg" --steps "$steps" --resume
done
for value in "$a" "$b"; do
    run="$out/$key-$value"
    motionfm evaluate --model "$run/model" --datasets $datasets --settings zero-shot,full-shot --adapt probe \
        --seeds 1 --baselines none --max-windows 400 --device cpu --out "$run/eval"
done
python3 - "$key=$a" "$out/$key-$a/eval/results.json" "$key=$b" "$out/$key-$b/eval/results.json" <<'PY'
import json, sys
names, paths = sys.argv[1::2], sys.argv[2::2]
cells = {}
for name, path in zip(names, paths):
    for r in json.load(open(path))["records"]:
        if r["model"] != "random-init" and r["adaptation"] in ("zero-shot", "probe") and r.get("accuracy") is not None:
            cells.setdefault((r["dataset"], r["setting"]), {})[name] = r
print("| data set | setting | " + " | ".join(f"{n} acc / F1 %" for n in names) + " |")
print("|---|---|" + "---|" * len(names))
for (d, s), by in sorted(cells.items()):
    row = [f"{100 * by[n]['accuracy']:.1f} / {100 * by[n]['macro_f1']:.1f}" + (" (seen)" if by[n]["seen_in_pretraining"] else "")
           if n in by else "-" for n in names]
    print(f"| {d} | {s} | " + " | ".join(row) + " |")
PY
