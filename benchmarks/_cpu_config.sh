# Sourced by the CPU benchmark scripts: one CPU schedule for a pre-training config.
#   cpu_config BASE ENCODER > OUT.yaml
# BASE with batch 64, lr 1e-3, 60 warm-up steps, a checkpoint every 250 steps, device cpu, fp32 (amp only
# acts on a GPU; device and amp are added where BASE has no such line) and the encoder ENCODER (empty: BASE's
# own). Returns 2 when BASE lacks a key the edits need, so a changed config cannot keep its GPU schedule.
cpu_config() {
    local base=$1 encoder=${2:-} _yaml _want
    _yaml=$(sed "s#^batch_size:.*#batch_size: 64#; s#^lr:.*#lr: 0.001#; s#^warmup_steps:.*#warmup_steps: 60#; \
                 s#^checkpoint_every:.*#checkpoint_every: 250#; s#^device:.*#device: cpu#; s#^amp:.*#amp: false#" "$base")
    grep -q "^device:" <<< "$_yaml" || _yaml+=$'\ndevice: cpu'
    grep -q "^amp:" <<< "$_yaml" || _yaml+=$'\namp: false'
    if [ -n "$encoder" ]; then _yaml=$(sed "s#\([{ ,]\)encoder: [a-z-]*#\1encoder: $encoder#" <<< "$_yaml"); fi
    for _want in "^batch_size: 64$" "^lr: 0.001$" "^warmup_steps: 60$" "^device: cpu$" "^amp: false$" \
                 "[{ ,]encoder: ${encoder:-[a-z-]*}[,}]"; do
        grep -q "$_want" <<< "$_yaml" || { echo "$base changed: could not set '$_want' (see benchmarks/_cpu_config.sh)" >&2; return 2; }
    done
    printf '%s\n' "$_yaml"
}
