#!/usr/bin/env bash
# Every auth path of the collection at -vvvv (and --diff), then a check that no password, token,
# application credential secret or secure.yaml value appears in any output, log, result, diff or warning.
# The playbooks' own output goes to files, never to this script's output: a leak must not be printed here.
set -eu

cd "$(dirname "$0")"
CONFIG="$(cd ../.. && pwd)/integration_config.yml"
OUT="${OUTPUT_DIR:?set by ansible-test}/security_secrets"
rm -rf "$OUT"
mkdir -p "$OUT"
chmod 700 "$OUT"
export ANSIBLE_LOG_PATH="$OUT/ansible.log"
PLAY=(ansible-playbook -i "$INVENTORY_PATH" -e "@$CONFIG" -e "out_dir=$OUT")

stop_proxies() {
    # Stop the proxies by the PIDs secrets.yml recorded (also when it failed half-way).
    for pidfile in "$OUT"/*.pid; do
        if [ -e "$pidfile" ]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
            rm -f "$pidfile"
        fi
    done
}
trap stop_proxies EXIT

status=0
"${PLAY[@]}" -vvvv --diff secrets.yml > "$OUT/run.log" 2>&1 || status=$?
report() {
    # Names of the tasks that failed (not their output, which could hold a leaked secret).
    echo "$1: exit status $2; $(grep -c . "$3") lines of output"
    awk '/^TASK \[/ {if (failed) print "  failed: " task; task = $0; failed = 0}
         /^fatal: / {failed = 1} /^\.\.\.ignoring/ {failed = 0}
         END {if (failed) print "  failed: " task}' "$3"
}
report secrets.yml "$status" "$OUT/run.log"

# OS_* variables come from the controller's environment: the `environment:` keyword would be shown by
# ansible-core itself at -vvv (in the EXEC line), whatever the module does.
if [ "$status" -eq 0 ] && [ -e "$OUT/os_env.sh" ]; then
    set -a
    # shellcheck disable=SC1091
    . "$OUT/os_env.sh"   # written by secrets.yml (mode 0600): OS_AUTH_URL through the proxy, the demo user
    set +a
    "${PLAY[@]}" -vvvv --diff os_env.yml > "$OUT/run-os_env.log" 2>&1 || status=$?
    report os_env.yml "$status" "$OUT/run-os_env.log"
    unset OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME
fi

stop_proxies

# The check prints kinds of secrets and line counts, never their values.
"${PLAY[@]}" check.yml -e "run_status=$status" "$@"
