#!/usr/bin/env bash
# l1-sys-firmware the way a field technician scripts it: mosquitto_sub / mosquitto_pub
# (mosquitto-clients), sed and `sort -V`, nothing else. The values come from the instructions:
#
#   IOTLAB_MQTT_URL=mqtt://host:port IOTLAB_TOPIC_PREFIX=iotlab/xxxxxx \
#     solution.sh REQUIRED RELEASE SHA256 ID...      (iotlab check sets the two variables)
#
# One subscriber logs every reply and status line; each request carries a "req" id and the
# script waits for the reply that echoes it.
set -euo pipefail
required=$1 release=$2 sha256=$3
shift 3
hostport=${IOTLAB_MQTT_URL#mqtt://}
host=${hostport%:*} port=${hostport##*:}
pfx=$IOTLAB_TOPIC_PREFIX
log=$(mktemp)

mosquitto_sub -h "$host" -p "$port" -q 1 -v -t "$pfx/+/fw/reply" -t "$pfx/+/status" >"$log" &
sub=$!
trap 'kill $sub 2>/dev/null; rm -f "$log"' EXIT
sleep 1 # the subscription is in place

pub() { mosquitto_pub -h "$host" -p "$port" -q 1 -t "$1" -m "$2"; }

# wait_line PATTERN [COUNT]: until the log has COUNT lines (default 1) matching; prints the last.
wait_line() {
  local n=${2:-1}
  for _ in $(seq 1 300); do
    if [ "$(grep -c -- "$1" "$log")" -ge "$n" ]; then
      grep -- "$1" "$log" | tail -n 1
      return 0
    fi
    sleep 0.1
  done
  echo "no reply matching $1" >&2
  return 1
}

# ask ID REQ PAYLOAD: send a request to the node, print its reply.
ask() {
  pub "$pfx/$1/fw/cmd" "$3"
  wait_line "^$pfx/$1/fw/reply .*\"req\":\"$2\""
}

version_of() { sed -n 's/.*"version":"\([0-9.]*\)".*/\1/p'; }

# A version below the required one: it sorts first by `sort -V` and is not equal.
outdated() { [ "$1" != "$required" ] && [ "$(printf '%s\n%s\n' "$1" "$required" | sort -V | head -n 1)" = "$1" ]; }

old=()
for id in "$@"; do
  v=$(ask "$id" "q-$id" "{\"op\":\"version\",\"req\":\"q-$id\"}" | version_of)
  echo "$id runs $v" >&2
  if outdated "$v"; then old+=("$id"); fi
done
list=$(IFS=,; echo "${old[*]:-none}")
echo "outdated: $list" >&2
pub "$pfx/answers/outdated" "$list"

for id in "${old[@]}"; do
  online_before=$(grep -c "^$pfx/$id/status online$" "$log" || true)
  ask "$id" "u-$id" "{\"op\":\"upgrade\",\"version\":\"$release\",\"sha256\":\"$sha256\",\"req\":\"u-$id\"}" >&2
  # The node restarts: its status goes offline, then online again.
  wait_line "^$pfx/$id/status online$" $((online_before + 1)) >/dev/null
  v=$(ask "$id" "c-$id" "{\"op\":\"version\",\"req\":\"c-$id\"}" | version_of)
  echo "$id back online, runs $v" >&2
done
