#!/usr/bin/env bash
# Start the real upstream OpenStack peers for one test run, all on 127.0.0.1:
#   * Glance "trusted"  (PEER_GLANCE_PORT, default 19292): no Keystone; identity comes from the
#     X-Identity-Status / X-Project-Id / X-User-Id / X-Roles request headers.
#   * Keystone          (PEER_KEYSTONE_PORT, default 15000): v3, fernet tokens, sqlite; seeded with
#     tenantA/userA, tenantB/userB, an image service and an application credential for userA.
#   * Glance "keystone" (PEER_GLANCE_KS_PORT, default 19293): keystonemiddleware checks real tokens;
#     it is the `image` endpoint in the Keystone catalog.
# Everything (configs, sqlite DBs, image store, logs, pids) lives in RUN_DIR, which should be fresh per
# run. On success RUN_DIR/peers.json describes the peers (see peers.py). On failure the log tails are
# printed, whatever was started is stopped, and the exit code is non-zero.
#
# Usage: bash tests/peers/start.sh RUN_DIR      (needs tests/peers/install.sh first)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${1:?usage: start.sh RUN_DIR}"
DEV_HOME="${OPENCLOUD_DEV_HOME:-$HOME/.cache/opencloud-images-dev}"
PEERS_HOME="$DEV_HOME/peers"
GLANCE_PORT="${PEER_GLANCE_PORT:-19292}"
GLANCE_KS_PORT="${PEER_GLANCE_KS_PORT:-19293}"
KEYSTONE_PORT="${PEER_KEYSTONE_PORT:-15000}"
START_TIMEOUT="${PEER_START_TIMEOUT:-45}"   # seconds per service to answer
HOST=127.0.0.1
KEYSTONE_URL="http://$HOST:$KEYSTONE_PORT"

# Fake credentials: recognisable, all contain SECRET (see tests/CONVENTIONS.md).
export PEER_ADMIN_PASSWORD="admin-pass-SECRET"
export PEER_GLANCE_SERVICE_PASSWORD="glance-service-pass-SECRET"

GLANCE_VENV="$PEERS_HOME/glance"
KEYSTONE_VENV="$PEERS_HOME/keystone"
for venv in "$GLANCE_VENV" "$KEYSTONE_VENV"; do
    [ -f "$venv/.stamp" ] || { echo "start.sh: $venv missing; run tests/peers/install.sh first" >&2; exit 1; }
done

mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
if [ -e "$RUN_DIR/peers.json" ] || [ -n "$(ls -A "$RUN_DIR/pids" 2>/dev/null)" ]; then
    echo "start.sh: $RUN_DIR already holds a run (peers.json or pids/); use a fresh RUN_DIR or stop.sh it" >&2
    exit 1
fi
for port in "$GLANCE_PORT" "$GLANCE_KS_PORT" "$KEYSTONE_PORT"; do
    if ss -Htln "sport = :$port" | grep -q .; then
        echo "start.sh: port $port is already in use:" >&2; ss -Htlnp "sport = :$port" >&2; exit 1
    fi
done

KS="$RUN_DIR/keystone" GL="$RUN_DIR/glance" GK="$RUN_DIR/glance-ks"
mkdir -p "$RUN_DIR/pids" "$KS/fernet-keys" "$KS/credential-keys"
chmod 700 "$KS/fernet-keys" "$KS/credential-keys"   # keystone warns on world-readable key repositories
for d in "$GL" "$GK"; do mkdir -p "$d/images" "$d/staging" "$d/tasks" "$d/work"; done

failed() {  # MESSAGE [LOG...]: print the tails of those logs (default: all), stop what was started, exit 1
    echo "start.sh: FAILED: $1" >&2
    shift
    local f logs=("$@")
    [ ${#logs[@]} -gt 0 ] || logs=("$RUN_DIR"/*.log "$KS"/*.log "$GL"/*.log "$GK"/*.log)
    for f in "${logs[@]}"; do
        case $f in */access.log) continue ;; esac
        [ -s "$f" ] || continue
        echo "----- tail of $f -----" >&2
        tail -n 25 "$f" >&2
    done
    bash "$HERE/stop.sh" "$RUN_DIR" >&2 || true
    exit 1
}
trap 'failed "command failed at line $LINENO: $BASH_COMMAND"' ERR

# ---------------------------------------------------------------------------------------------- config
gunicorn_conf() {  # DIR WSGI_APP PORT: gunicorn.conf.py in DIR; gunicorn starts from DIR with NO arguments
    # Keystone parses sys.argv with oslo.config, so any gunicorn command-line flag makes its worker exit
    # with code 2 and restart forever: everything goes in this file, read from the working directory.
    cat > "$1/gunicorn.conf.py" <<EOF
wsgi_app = "$2"
bind = "$HOST:$3"
workers = 1
# One request at a time: the services keep their state in sqlite, which answers concurrent writers with
# "database is locked" (Glance then fails uploads with 500 when two test workers create images at once).
threads = 1
timeout = 120
graceful_timeout = 5
pidfile = "$1/gunicorn.pid"
errorlog = "$1/gunicorn.log"
accesslog = "$1/access.log"
capture_output = True
# gunicorn >= 25.1 opens ~/.gunicorn/gunicorn.ctl, one path shared by every gunicorn on the machine
control_socket_disable = True
EOF
}

cat > "$KS/keystone.conf" <<EOF
[DEFAULT]
log_file = $KS/keystone.log

[database]
connection = sqlite:///$KS/keystone.sqlite

[identity]
# bcrypt's minimum cost: every password check costs ~1 ms instead of ~0.2 s (tests authenticate often)
password_hash_rounds = 4

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = $KS/fernet-keys/

[fernet_receipts]
key_repository = $KS/fernet-keys/

[credential]
key_repository = $KS/credential-keys/
EOF
gunicorn_conf "$KS" keystone.wsgi.api:application "$KEYSTONE_PORT"

# Glance paste pipelines. Upstream's shipped file has only "default" (unauthenticated-context: every
# request is admin with NO project) and "keystone". "trusted" is the keystone pipeline without authtoken:
# the context middleware reads the X-* headers that keystonemiddleware would have set.
glance_paste() {
    cat > "$1/glance-api-paste.ini" <<EOF
[composite:glance-api-trusted]
paste.composite_factory = glance.api:root_app_factory
/: api
/healthcheck: healthcheck

[composite:glance-api-keystone]
paste.composite_factory = glance.api:root_app_factory
/: api
/healthcheck: healthcheck

[composite:api]
paste.composite_factory = glance.api:pipeline_factory
trusted = http_proxy_to_wsgi versionnegotiation context rootapp
keystone = http_proxy_to_wsgi versionnegotiation authtoken context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[app:healthcheck]
paste.app_factory = oslo_middleware:Healthcheck.app_factory
backends = disable_by_file
disable_by_file_path = $1/healthcheck_disable

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
EOF
}

glance_conf() {  # DIR PORT FLAVOR
    cat > "$1/glance-api.conf" <<EOF
[DEFAULT]
log_file = $1/glance-api.log
enabled_backends = fs:file
enabled_import_methods = [glance-direct,web-download]
worker_self_reference_url = http://$HOST:$2

[database]
connection = sqlite:///$1/glance.sqlite

[paste_deploy]
flavor = $3

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = $1/images/

[os_glance_staging_store]
filesystem_store_datadir = $1/staging/

[os_glance_tasks_store]
filesystem_store_datadir = $1/tasks/

[task]
task_executor = taskflow
work_dir = $1/work

[import_filtering_opts]
# web-download / task import_from: allow loopback sources on any port (default: ports 80/443, no loopback)
allowed_hosts = 127.0.0.1,localhost
allowed_ports =

[oslo_policy]
policy_file = $1/policy.yaml
EOF
    # Rackspace let ordinary users use /v2/tasks; upstream's default is admin-only
    echo '"tasks_api_access": "role:admin or role:member"' > "$1/policy.yaml"
    glance_paste "$1"
    gunicorn_conf "$1" glance.wsgi.api:application "$2"
}
glance_conf "$GL" "$GLANCE_PORT" trusted
glance_conf "$GK" "$GLANCE_KS_PORT" keystone
cat >> "$GK/glance-api.conf" <<EOF

[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
user_domain_id = default
project_domain_id = default
project_name = service
username = glance
password = $PEER_GLANCE_SERVICE_PASSWORD
EOF

# ------------------------------------------------------------------------------------ one-time setup
# In parallel: glance db_sync (once, then copied for the second glance) | keystone db_sync + bootstrap.
KM=("$KEYSTONE_VENV/bin/keystone-manage" --config-file "$KS/keystone.conf")
( "$GLANCE_VENV/bin/glance-manage" --config-file "$GL/glance-api.conf" db_sync \
  && cp "$GL/glance.sqlite" "$GK/glance.sqlite" ) >"$RUN_DIR/glance-setup.log" 2>&1 &
glance_setup=$!
( "${KM[@]}" db_sync \
  && OS_BOOTSTRAP_PASSWORD="$PEER_ADMIN_PASSWORD" "${KM[@]}" bootstrap \
        --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
        --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
        --bootstrap-admin-url "$KEYSTONE_URL/v3/" --bootstrap-public-url "$KEYSTONE_URL/v3/" \
        --bootstrap-internal-url "$KEYSTONE_URL/v3/" ) >"$RUN_DIR/keystone-setup.log" 2>&1 &
keystone_setup=$!
# The fernet / credential key repositories are what `keystone-manage fernet_setup` / `credential_setup`
# write (files 0 = staged key, 1 = primary key, each a Fernet key); writing them here saves two keystone
# imports (~2 s of CPU each) on a 2-core machine.
( umask 077 && "$KEYSTONE_VENV/bin/python" -c '
import os, sys
from cryptography.fernet import Fernet
for repo in sys.argv[1:]:
    for name in ("0", "1"):
        with open(os.path.join(repo, name), "wb") as f:
            f.write(Fernet.generate_key())
' "$KS/fernet-keys" "$KS/credential-keys" )

# ------------------------------------------------------------------------------------------- start
start_gunicorn() {  # NAME DIR VENV [ENV=VALUE...]
    local name=$1 dir=$2 venv=$3; shift 3
    # no arguments to gunicorn (see gunicorn_conf); setsid: own session and process group for stop.sh
    ( cd "$dir" && exec env -u GUNICORN_CMD_ARGS "$@" setsid "$venv/bin/gunicorn" ) \
        </dev/null >"$dir/gunicorn.out" 2>&1 &
    echo $! > "$RUN_DIR/pids/$name.pid"
}
wait "$glance_setup" || failed "glance db_sync" "$RUN_DIR/glance-setup.log"
start_gunicorn glance_trusted "$GL" "$GLANCE_VENV" OS_GLANCE_CONFIG_DIR="$GL"
start_gunicorn glance_keystone "$GK" "$GLANCE_VENV" OS_GLANCE_CONFIG_DIR="$GK"
wait "$keystone_setup" || failed "keystone db_sync / bootstrap" "$RUN_DIR/keystone-setup.log" "$KS/keystone.log"
start_gunicorn keystone "$KS" "$KEYSTONE_VENV" OS_KEYSTONE_CONFIG_DIR="$KS"

wait_http() {  # NAME DIR URL EXPECTED_STATUS
    local name=$1 dir=$2 url=$3 want=$4 pid got deadline=$((SECONDS + START_TIMEOUT))
    local logs=("$dir/gunicorn.out" "$dir/gunicorn.log" "$dir"/glance-api.log "$dir"/keystone.log)
    pid=$(cat "$RUN_DIR/pids/$name.pid")
    while :; do
        got=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
        [ "$got" = "$want" ] && return 0
        kill -0 "$pid" 2>/dev/null || failed "$name (pid $pid) exited before $url answered $want" "${logs[@]}"
        [ $SECONDS -lt $deadline ] || failed "$name: $url did not answer $want within ${START_TIMEOUT}s (last: $got)" "${logs[@]}"
        sleep 0.2
    done
}
wait_http keystone "$KS" "$KEYSTONE_URL/v3" 200

# ------------------------------------------------------------------------------------ seed + peers.json
"$KEYSTONE_VENV/bin/python" "$HERE/seed_keystone.py" \
    --keystone-url "$KEYSTONE_URL/v3" \
    --glance-trusted-url "http://$HOST:$GLANCE_PORT" \
    --glance-keystone-url "http://$HOST:$GLANCE_KS_PORT" \
    --run-dir "$RUN_DIR" --out "$RUN_DIR/peers.json.tmp" >"$RUN_DIR/seed.log" 2>&1 \
    || failed "seeding keystone" "$RUN_DIR/seed.log" "$KS/keystone.log"

wait_http glance_trusted "$GL" "http://$HOST:$GLANCE_PORT/" 300
wait_http glance_keystone "$GK" "http://$HOST:$GLANCE_KS_PORT/" 300

mv "$RUN_DIR/peers.json.tmp" "$RUN_DIR/peers.json"
trap - ERR
echo "peers up: keystone $KEYSTONE_URL/v3, glance(trusted) http://$HOST:$GLANCE_PORT," \
     "glance(keystone) http://$HOST:$GLANCE_KS_PORT; $RUN_DIR/peers.json"
