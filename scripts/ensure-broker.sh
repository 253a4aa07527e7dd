#!/usr/bin/env bash
# Make sure an MQTT broker answers on HOST:PORT; if none does, start the project's
# own Mosquitto (config and persistence under var/mosquitto) in the background.
set -euo pipefail
HOST=${ZHIFANG_MQTT_HOST:-127.0.0.1}
PORT=${ZHIFANG_MQTT_PORT:-1883}
here=$(cd "$(dirname "$0")/.." && pwd)
reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null; }
if reachable; then
  echo "zhifang: MQTT broker reachable at $HOST:$PORT"
  exit 0
fi
if [[ $HOST != 127.0.0.1 && $HOST != localhost ]]; then
  echo "zhifang: no broker answers at $HOST:$PORT and it is not this machine: start it there" >&2
  exit 1
fi
"$here/scripts/ensure-system-packages.sh" mosquitto:mosquitto mosquitto_pub:mosquitto-clients
MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
dir="$here/var/mosquitto"
mkdir -p "$dir/data"
cat >"$dir/mosquitto.conf" <<CONF
# Written by scripts/ensure-broker.sh: a development broker for make demo / make test.
# Production brokers use the TLS + ACL config from 'zhifang provision'.
listener $PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/data/
autosave_interval 10
max_queued_messages 100000
log_dest file $dir/mosquitto.log
pid_file $dir/mosquitto.pid
CONF
# the broker drops root to user mosquitto when started as root: let it write here
if [[ $(id -u) -eq 0 ]] && id mosquitto >/dev/null 2>&1; then chown -R mosquitto "$dir"; fi
"$MOSQ" -d -c "$dir/mosquitto.conf"
for _ in $(seq 50); do reachable && { echo "zhifang: started Mosquitto on $HOST:$PORT (config $dir/mosquitto.conf)"; exit 0; }; sleep 0.1; done
echo "zhifang: Mosquitto did not come up; see $dir/mosquitto.log" >&2
exit 1
