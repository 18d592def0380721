#!/usr/bin/env bash
# Load: one playbook with forks 20 converges 100 images (create, upload a small qcow2, properties, tags) in
# parallel, then runs again. First run: all changed; second run: none changed; exactly 100 images, no duplicate,
# none left queued. The wall times go to stdout and to tests/output/data/reliability-load.json.
set -eu

cd "$(dirname "$0")"
CONFIG="$(cd ../.. && pwd)/integration_config.yml"
OUT="${OUTPUT_DIR:?set by ansible-test}/reliability_load"
mkdir -p "$OUT"
PREFIX="load-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')-"
COUNT=100
FORKS=20

qemu-img create -q -f qcow2 "$OUT/load.qcow2" 16M

{
    echo "load:"
    echo "  hosts:"
    for i in $(seq -w 0 $((COUNT - 1))); do echo "    img$i: {}"; done
    echo "  vars:"
    echo "    ansible_connection: local"
    echo "    ansible_python_interpreter: '{{ ansible_playbook_python }}'"
} > "$OUT/inventory.yml"

PLAY=(ansible-playbook -i "$OUT/inventory.yml" -e "@$CONFIG" -e "prefix=$PREFIX" -e "out_dir=$OUT"
      -e "qcow2=$OUT/load.qcow2" -e "image_count=$COUNT" --forks "$FORKS")

cleanup() {
    "${PLAY[@]}" cleanup.yml > "$OUT/cleanup.log" 2>&1 || { tail -40 "$OUT/cleanup.log"; echo "cleanup failed"; }
}
trap cleanup EXIT

seconds() { date +%s.%N; }

t0=$(seconds)
"${PLAY[@]}" converge.yml -e phase=first "$@"
t1=$(seconds)
"${PLAY[@]}" converge.yml -e phase=second "$@"
t2=$(seconds)
"${PLAY[@]}" verify.yml "$@"

figures=$(python -c 'import json, sys
t0, t1, t2, count, forks = map(float, sys.argv[1:])
print(json.dumps({"images": int(count), "forks": int(forks), "first_run_seconds": round(t1 - t0, 1),
                  "second_run_seconds": round(t2 - t1, 1)}))' "$t0" "$t1" "$t2" "$COUNT" "$FORKS")
echo "reliability_load figures: $figures"
DATA_DIR="${ANSIBLE_COLLECTIONS_PATH:-}/ansible_collections/osimg/glance/tests/output/data"
if [ -d "$DATA_DIR" ]; then
    echo "$figures" > "$DATA_DIR/reliability-load.json"
fi
