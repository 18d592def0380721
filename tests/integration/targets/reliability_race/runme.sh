#!/usr/bin/env bash
# Race: several runs of the same glance_image task (same name, no id), each its own ansible-playbook
# process as two pipelines would be, released at the same instant. Asserted per round: exactly one
# image of that name is left, active with the uploaded data; every run either succeeded (on that
# image) or failed with a clear message (no traceback, no module crash). What each run reported and
# what Glance holds go to stdout and to tests/output/data/reliability-race.json.
set -eu

cd "$(dirname "$0")"
CONFIG="$(cd ../.. && pwd)/integration_config.yml"
OUT="${OUTPUT_DIR:?set by ansible-test}/reliability_race"
rm -rf "$OUT"
mkdir -p "$OUT"
PREFIX="race-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')-"
RUNS="${RACE_RUNS:-6}"
ROUNDS="${RACE_ROUNDS:-3}"

qemu-img create -q -f qcow2 "$OUT/race.qcow2" 8M

PLAY=(ansible-playbook -i localhost, -c local -e "@$CONFIG" -e "prefix=$PREFIX" -e "out_dir=$OUT"
      -e "qcow2=$OUT/race.qcow2" -e "ansible_python_interpreter={{ ansible_playbook_python }}")

cleanup() {
    "${PLAY[@]}" cleanup.yml > "$OUT/cleanup.log" 2>&1 || { tail -40 "$OUT/cleanup.log"; echo "cleanup failed"; }
}
trap cleanup EXIT

for round in $(seq 1 "$ROUNDS"); do
    pids=()
    for run in $(seq 1 "$RUNS"); do
        "${PLAY[@]}" race.yml -e "round=$round" -e "run=$run" "$@" > "$OUT/round$round-run$run.log" 2>&1 &
        pids+=("$!")
    done
    # Release every run at once, when all of them wait at the barrier (up to 120 s to get there).
    for _ in $(seq 1 1200); do
        ready=$(find "$OUT" -name "ready-$round-*" | wc -l)
        [ "$ready" -ge "$RUNS" ] && break
        sleep 0.1
    done
    touch "$OUT/go-$round"
    for pid in "${pids[@]}"; do wait "$pid" || true; done
done

# round -> what each of its runs reported
python - "$OUT" "$ROUNDS" "$RUNS" > "$OUT/results.json" <<'PY'
import json, os, sys
out, rounds, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
results = {}
for round_number in range(1, rounds + 1):
    results[str(round_number)] = []
    for run in range(1, runs + 1):
        path = os.path.join(out, f"result-{round_number}-{run}.json")
        try:
            with open(path, encoding="utf-8") as handle:
                results[str(round_number)].append(json.load(handle))
        except OSError:
            pass  # the run never got to its report: counted as missing by verify.yml
json.dump(results, sys.stdout)
PY

"${PLAY[@]}" verify.yml -e "rounds=$ROUNDS" -e "runs=$RUNS" "$@"
