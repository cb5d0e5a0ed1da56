#!/usr/bin/env bash
# Start the real upstream OpenStack peers for one test run, all on 127.0.0.1:
#   * Glance "trusted"   (PEER_GLANCE_PORT, default 19292): no Keystone; identity comes from the
#     X-Identity-Status / X-Project-Id / X-User-Id / X-Roles request headers.
#   * Keystone           (PEER_KEYSTONE_PORT, default 15000): v3, fernet tokens, sqlite; seeded with
#     tenantA/userA, tenantB/userB, an image service in two regions and an application credential for userA.
#   * Glance "keystone"  (PEER_GLANCE_KS_PORT, default 19293): keystonemiddleware checks real tokens;
#     the `image` endpoint of region RegionOne in the Keystone catalog.
#   * Glance "keystone2" (PEER_GLANCE_KS2_PORT, default 19294): a second, independent one (own DB, store
#     and staging area), the `image` endpoint of region RegionTwo.
#   * Swift              (proxy PEER_SWIFT_PORT, default 18080; account/container/object servers
#     PEER_SWIFT_ACCOUNT_PORT/_CONTAINER_PORT/_OBJECT_PORT, default 16202/16201/16200; memcached
#     PEER_MEMCACHED_PORT, default 16211; their syslog goes to PEER_SWIFT_LOG_PORT/udp, default 15140):
#     tempauth with the accounts AUTH_test (test:tester) and AUTH_test2 (test2:tester2), storage in
#     RUN_DIR, the slo, dlo and bulk middlewares. `--swift-only` starts only Swift (the benchmarks).
# PEER_HOST (default 127.0.0.1) is the address every service binds to and is reached at: the shaped-link
# benchmark runs a second Swift in a network namespace on the far end of its link (benchmarks/shaped_link.py).
# Everything (configs, sqlite DBs, image store, objects, logs, pids) lives in RUN_DIR, which should be
# fresh per run. On success RUN_DIR/peers.json describes the peers (see peers.py). On failure the log
# tails are printed, whatever was started is stopped, and the exit code is non-zero.
#
# Usage: bash tests/peers/start.sh RUN_DIR [--swift-only]     (needs tests/peers/install.sh first)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/logs.sh
. "$HERE/../../scripts/logs.sh"
RUN_DIR="${1:?usage: start.sh RUN_DIR [--swift-only]}"
SWIFT_ONLY=0
case "${2:-}" in
    "") ;;
    --swift-only) SWIFT_ONLY=1 ;;
    *) echo "start.sh: unknown option '$2' (usage: start.sh RUN_DIR [--swift-only])" >&2; exit 2 ;;
esac
DEV_HOME="${OPENCLOUD_DEV_HOME:-$HOME/.cache/opencloud-images-dev}"
PEERS_HOME="$DEV_HOME/peers"
GLANCE_PORT="${PEER_GLANCE_PORT:-19292}"
GLANCE_KS_PORT="${PEER_GLANCE_KS_PORT:-19293}"
GLANCE_KS2_PORT="${PEER_GLANCE_KS2_PORT:-19294}"
KEYSTONE_PORT="${PEER_KEYSTONE_PORT:-15000}"
SWIFT_PORT="${PEER_SWIFT_PORT:-18080}"
SWIFT_WORKERS="${PEER_SWIFT_WORKERS:-0}"   # processes per Swift server (0 = serve from the parent)
SWIFT_ACCOUNT_PORT="${PEER_SWIFT_ACCOUNT_PORT:-16202}"
SWIFT_CONTAINER_PORT="${PEER_SWIFT_CONTAINER_PORT:-16201}"
SWIFT_OBJECT_PORT="${PEER_SWIFT_OBJECT_PORT:-16200}"
MEMCACHED_PORT="${PEER_MEMCACHED_PORT:-16211}"
SWIFT_LOG_PORT="${PEER_SWIFT_LOG_PORT:-15140}"   # udp
START_TIMEOUT="${PEER_START_TIMEOUT:-45}"   # seconds per service to answer
HOST="${PEER_HOST:-127.0.0.1}"
KEYSTONE_URL="http://$HOST:$KEYSTONE_PORT"
SWIFT_URL="http://$HOST:$SWIFT_PORT"

# Fake credentials: recognisable, all contain SECRET (see tests/CONVENTIONS.md).
export PEER_ADMIN_PASSWORD="admin-pass-SECRET"
export PEER_GLANCE_SERVICE_PASSWORD="glance-service-pass-SECRET"
# Swift tempauth users, ACCOUNT:USER:KEY; each account (AUTH_<ACCOUNT>) stands for one region of a cloud.
SWIFT_USERS=(test:tester:testing-SECRET test2:tester2:testing2-SECRET)

GLANCE_VENV="$PEERS_HOME/glance"
KEYSTONE_VENV="$PEERS_HOME/keystone"
SWIFT_VENV="$PEERS_HOME/swift"
VENVS=("$SWIFT_VENV") TCP_PORTS=("$SWIFT_PORT" "$SWIFT_ACCOUNT_PORT" "$SWIFT_CONTAINER_PORT" "$SWIFT_OBJECT_PORT" "$MEMCACHED_PORT")
if [ "$SWIFT_ONLY" = 0 ]; then
    VENVS+=("$GLANCE_VENV" "$KEYSTONE_VENV") TCP_PORTS+=("$GLANCE_PORT" "$GLANCE_KS_PORT" "$GLANCE_KS2_PORT" "$KEYSTONE_PORT")
fi
for venv in "${VENVS[@]}"; do
    [ -f "$venv/.lock.sha256" ] || { echo "start.sh: $venv missing; run tests/peers/install.sh first" >&2; exit 1; }
done
command -v memcached >/dev/null || { echo "start.sh: memcached missing; run tests/peers/install.sh first" >&2; exit 1; }

mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
if [ -e "$RUN_DIR/peers.json" ] || [ -n "$(ls -A "$RUN_DIR/pids" 2>/dev/null)" ]; then
    echo "start.sh: $RUN_DIR already holds a run (peers.json or pids/); use a fresh RUN_DIR or stop.sh it" >&2
    exit 1
fi
for port in "${TCP_PORTS[@]}"; do
    if ss -Htln "sport = :$port" | grep -q .; then
        echo "start.sh: port $port is already in use:" >&2; ss -Htlnp "sport = :$port" >&2; exit 1
    fi
done
if ss -Huln "sport = :$SWIFT_LOG_PORT" | grep -q .; then
    echo "start.sh: udp port $SWIFT_LOG_PORT is already in use:" >&2; ss -Hulnp "sport = :$SWIFT_LOG_PORT" >&2; exit 1
fi

KS="$RUN_DIR/keystone" GL="$RUN_DIR/glance" GK="$RUN_DIR/glance-ks" GK2="$RUN_DIR/glance-ks2" SW="$RUN_DIR/swift"
mkdir -p "$RUN_DIR/pids" "$SW/node/sdb1" "$SW/cache"
if [ "$SWIFT_ONLY" = 0 ]; then
    mkdir -p "$KS/fernet-keys" "$KS/credential-keys"
    chmod 700 "$KS/fernet-keys" "$KS/credential-keys"   # keystone warns on world-readable key repositories
    for d in "$GL" "$GK" "$GK2"; do mkdir -p "$d/images" "$d/staging" "$d/tasks" "$d/work"; done
fi

failed() {  # MESSAGE [LOG...]: print the tails of those logs (default: all), stop what was started, exit 1
    echo "start.sh: FAILED: $1" >&2
    shift
    if [ $# -gt 0 ]; then
        show_log_tails "$@"
    else
        show_log_tails "$RUN_DIR"/*.log "$KS"/*.log "$GL"/*.log "$GK"/*.log "$GK2"/*.log "$SW"/*.log "$SW"/*.out
    fi
    bash "$HERE/stop.sh" "$RUN_DIR" >&2 || true
    exit 1
}
trap 'failed "command failed at line $LINENO: $BASH_COMMAND"' ERR

# ------------------------------------------------------------------------------------------- swift
# Swift first: its servers start in the background while Keystone and Glance set up.
# Storage is a plain directory (mount_check = false; the filesystem needs user xattrs: ext4, xfs, tmpfs).
cat > "$SW/swift.conf" <<EOF
[swift-hash]
swift_hash_path_prefix = opencloud-peers-prefix
swift_hash_path_suffix = opencloud-peers-suffix

[storage-policy:0]
name = Policy-0
default = yes
EOF
swift_server_conf() {  # KIND PORT: the config of the account, container or object server
    cat > "$SW/$1-server.conf" <<EOF
[DEFAULT]
bind_ip = $HOST
bind_port = $2
# 0 = serve from the parent process, no fork (half the memory); PEER_SWIFT_WORKERS forks that many (benchmarks)
workers = $SWIFT_WORKERS
devices = $SW/node
mount_check = false
# swift_dir also says where swift.conf and the rings are (default /etc/swift)
swift_dir = $SW
# the servers drop privileges to this user (default "swift", which does not exist here)
user = $(id -un)
# Swift logs only to syslog, and sandboxes have no /dev/log: syslog_udp.py receives it into swift.log
log_udp_host = $HOST
log_udp_port = $SWIFT_LOG_PORT
log_name = $1-server

[pipeline:main]
pipeline = healthcheck recon $1-server

[app:$1-server]
use = egg:swift#$1

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:recon]
use = egg:swift#recon
recon_cache_path = $SW/cache
EOF
}
swift_server_conf account "$SWIFT_ACCOUNT_PORT"
swift_server_conf container "$SWIFT_CONTAINER_PORT"
swift_server_conf object "$SWIFT_OBJECT_PORT"
tempauth_users() {
    local spec account user key
    for spec in "${SWIFT_USERS[@]}"; do
        IFS=: read -r account user key <<<"$spec"
        echo "user_${account}_${user} = $key .admin"
    done
}
cat > "$SW/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = $HOST
bind_port = $SWIFT_PORT
workers = $SWIFT_WORKERS
swift_dir = $SW
user = $(id -un)
log_udp_host = $HOST
log_udp_port = $SWIFT_LOG_PORT
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl formpost tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:tempauth]
use = egg:swift#tempauth
# user_<account>_<user> = <key> <groups>: storage URL $SWIFT_URL/v1/AUTH_<account>
$(tempauth_users)
token_life = 86400

[filter:cache]
use = egg:swift#memcache
memcache_servers = $HOST:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:formpost]
use = egg:swift#formpost
[filter:copy]
use = egg:swift#copy
# slo: max_manifest_segments etc. keep their defaults (1000 segments), as on a real cluster
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
[filter:symlink]
use = egg:swift#symlink
EOF
"$SWIFT_VENV/bin/python" "$HERE/swift_rings.py" "$SW" "$SWIFT_ACCOUNT_PORT" "$SWIFT_CONTAINER_PORT" "$SWIFT_OBJECT_PORT" "$HOST"

start_daemon() {  # NAME LOG COMMAND...: COMMAND in the background in its own session; its pid in pids/NAME.pid
    local name=$1 log=$2; shift 2
    setsid "$@" </dev/null >"$log" 2>&1 &
    echo $! > "$RUN_DIR/pids/$name.pid"
}
start_daemon swift_syslog "$SW/syslog.out" "$SWIFT_VENV/bin/python" "$HERE/syslog_udp.py" "$SWIFT_LOG_PORT" "$SW/swift.log"
# tempauth keeps its tokens only in memcache (-U 0: no UDP; -u: memcached refuses to run as root without it)
start_daemon memcached "$SW/memcached.out" memcached -u "$(id -un)" -l "$HOST" -p "$MEMCACHED_PORT" -U 0 -m 64
for kind in account container object proxy; do
    start_daemon "swift_$kind" "$SW/$kind.out" "$SWIFT_VENV/bin/swift-$kind-server" "$SW/$kind-server.conf"
done

wait_http() {  # NAME URL EXPECTED_STATUS LOG...
    local name=$1 url=$2 want=$3 pid got deadline=$((SECONDS + START_TIMEOUT))
    shift 3
    pid=$(cat "$RUN_DIR/pids/$name.pid")
    while :; do
        got=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
        [ "$got" = "$want" ] && return 0
        kill -0 "$pid" 2>/dev/null || failed "$name (pid $pid) exited before $url answered $want" "$@"
        [ $SECONDS -lt $deadline ] || failed "$name: $url did not answer $want within ${START_TIMEOUT}s (last: $got)" "$@"
        sleep 0.2
    done
}

wait_swift() {
    local kind port
    for kind in account:$SWIFT_ACCOUNT_PORT container:$SWIFT_CONTAINER_PORT object:$SWIFT_OBJECT_PORT proxy:$SWIFT_PORT; do
        port=${kind#*:} kind=${kind%:*}
        wait_http "swift_$kind" "http://$HOST:$port/healthcheck" 200 "$SW/$kind.out" "$SW/swift.log" "$SW/memcached.out"
    done
}

write_peers() {  # [ARGS of write_peers.py...]: RUN_DIR/peers.json, after logging in to every Swift account
    local spec swift_args=(--swift-auth-url "$SWIFT_URL/auth/v1.0")
    for spec in "${SWIFT_USERS[@]}"; do swift_args+=(--swift-user "$spec"); done
    "$SWIFT_VENV/bin/python" "$HERE/write_peers.py" --run-dir "$RUN_DIR" --out "$RUN_DIR/peers.json" \
        "${swift_args[@]}" "$@" >"$RUN_DIR/write-peers.log" 2>&1 \
        || failed "writing peers.json (Swift tempauth login)" "$RUN_DIR/write-peers.log" "$SW/swift.log" "$SW/memcached.out"
}

if [ "$SWIFT_ONLY" = 1 ]; then
    wait_swift
    write_peers
    trap - ERR
    echo "peers up: swift $SWIFT_URL/auth/v1.0 (accounts AUTH_test, AUTH_test2); $RUN_DIR/peers.json"
    exit 0
fi

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
for d in "$GK:$GLANCE_KS_PORT" "$GK2:$GLANCE_KS2_PORT"; do
    glance_conf "${d%:*}" "${d##*:}" keystone
    cat >> "${d%:*}/glance-api.conf" <<EOF

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
done

# ------------------------------------------------------------------------------------ one-time setup
# In parallel: glance db_sync (once, then copied for the other glances) | keystone db_sync + bootstrap.
KM=("$KEYSTONE_VENV/bin/keystone-manage" --config-file "$KS/keystone.conf")
( "$GLANCE_VENV/bin/glance-manage" --config-file "$GL/glance-api.conf" db_sync \
  && cp "$GL/glance.sqlite" "$GK/glance.sqlite" && cp "$GL/glance.sqlite" "$GK2/glance.sqlite" ) >"$RUN_DIR/glance-setup.log" 2>&1 &
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
start_gunicorn glance_keystone2 "$GK2" "$GLANCE_VENV" OS_GLANCE_CONFIG_DIR="$GK2"
wait "$keystone_setup" || failed "keystone db_sync / bootstrap" "$RUN_DIR/keystone-setup.log" "$KS/keystone.log"
start_gunicorn keystone "$KS" "$KEYSTONE_VENV" OS_KEYSTONE_CONFIG_DIR="$KS"

wait_gunicorn() {  # NAME DIR URL EXPECTED_STATUS
    wait_http "$1" "$3" "$4" "$2/gunicorn.out" "$2/gunicorn.log" "$2"/glance-api.log "$2"/keystone.log
}
wait_gunicorn keystone "$KS" "$KEYSTONE_URL/v3" 200

# ------------------------------------------------------------------------------------ seed + peers.json
"$KEYSTONE_VENV/bin/python" "$HERE/seed_keystone.py" \
    --keystone-url "$KEYSTONE_URL/v3" \
    --glance-trusted-url "http://$HOST:$GLANCE_PORT" \
    --glance-keystone-url "http://$HOST:$GLANCE_KS_PORT" \
    --glance-keystone2-url "http://$HOST:$GLANCE_KS2_PORT" \
    --run-dir "$RUN_DIR" --out "$RUN_DIR/peers-keystone.json" >"$RUN_DIR/seed.log" 2>&1 \
    || failed "seeding keystone" "$RUN_DIR/seed.log" "$KS/keystone.log"

wait_gunicorn glance_trusted "$GL" "http://$HOST:$GLANCE_PORT/" 300
wait_gunicorn glance_keystone "$GK" "http://$HOST:$GLANCE_KS_PORT/" 300
wait_gunicorn glance_keystone2 "$GK2" "http://$HOST:$GLANCE_KS2_PORT/" 300
wait_swift
write_peers --part "$RUN_DIR/peers-keystone.json"
trap - ERR
echo "peers up: keystone $KEYSTONE_URL/v3, glance(trusted) http://$HOST:$GLANCE_PORT," \
     "glance(keystone) http://$HOST:$GLANCE_KS_PORT (RegionOne), http://$HOST:$GLANCE_KS2_PORT (RegionTwo)," \
     "swift $SWIFT_URL/auth/v1.0; $RUN_DIR/peers.json"
