#!/bin/sh
# Issue 14 item 9: training step of the AiryNet nets, bragg vs PyTorch on this machine, run
# alternately (torch, bragg, torch, bragg …) so both see the same load; the load average is
# printed before each run. Usage (from the repository root):
#   sh bench/train/airynet-vs-torch.sh [rounds=2] [steps=3] [threads=2] [nets…]
# Each line: {"net", "backend", "ms_per_step", "cpu_ms_per_step", …} + "load".
set -eu
ROUNDS=${1:-2}
STEPS=${2:-3}
THREADS=${3:-2}
shift 3 2>/dev/null || shift $#
NETS=${*:-airynet-resnet18-64 airynet-resnet18-224 airynet-vgg16-224}
BATCH=${BATCH:-24}
for net in $NETS; do
  r=0
  while [ "$r" -lt "$ROUNDS" ]; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/python3 bench/reference/torch_train_bench.py --net "$net" --threads "$THREADS" \
      --steps "$STEPS" --warmup 1 --batch-size "$BATCH" | sed "s/}\$/, \"load\": $load}/"
    load=$(cut -d' ' -f1 /proc/loadavg)
    npx vite-node bench/train/airynet-bench.ts "$net" "$STEPS" "$THREADS" "$BATCH" 2>/dev/null |
      grep '^{' | sed "s/}\$/, \"load\": $load}/"
    r=$((r + 1))
  done
done
