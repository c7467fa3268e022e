# Sourced by the CPU benchmark scripts: one CPU schedule for a pre-training config.
#   cpu_config BASE ENCODER > OUT.yaml
# BASE with batch 64, lr 1e-3, 60 warm-up steps, a checkpoint every 250 steps, device cpu, fp32 (amp only
# acts on a GPU) and the encoder ENCODER (empty: BASE's own). Exits 2 when BASE no longer has a key the
# edits expect, so a changed config cannot silently keep its GPU schedule.
cpu_config() {
    local base=$1 encoder=${2:-} cfg want
    cfg=$(sed "s#^batch_size:.*#batch_size: 64#; s#^lr:.*#lr: 0.001#; s#^warmup_steps:.*#warmup_steps: 60#; \
               s#^checkpoint_every:.*#checkpoint_every: 250#; s#^device:.*#device: cpu#; s#^amp:.*#amp: false#" "$base")
    if [ -n "$encoder" ]; then cfg=$(sed "s#encoder: [a-z-]*#encoder: $encoder#" <<< "$cfg"); fi
    for want in "^batch_size: 64$" "^lr: 0.001$" "^warmup_steps: 60$" "^device: cpu$" "^amp: false$" \
                " encoder: ${encoder:-[a-z-]*},"; do
        grep -q "$want" <<< "$cfg" || { echo "$base changed: could not set '$want' (see benchmarks/_cpu_config.sh)" >&2; exit 2; }
    done
    printf '%s\n' "$cfg"
}
