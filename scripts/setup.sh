#!/usr/bin/env bash
# One script behind the README's two commands:
#   scripts/setup.sh serve   install what is missing, migrate, seed the demo,
#                            start a jobs worker and the portal on 127.0.0.1:$PORT
#                            (gunicorn, $WEB_WORKERS processes; SERVER=dev: CKAN's
#                            development server)
#   scripts/setup.sh test    the same set-up without the server, then pytest
# Safe to run again: it installs, creates and seeds only what is missing.
set -euo pipefail

MODE=${1:-serve}
shift || true
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

VENV=${VENV:-$ROOT/.venv}
PORT=${PORT:-5000}
DB_USER=${DB_USER:-satudata}
DB_PASS=${DB_PASS:-satudata}
DB_NAME=${DB_NAME:-satudata}
TEST_DB_NAME=${TEST_DB_NAME:-satudata_test}
# the DataStore (Table Designer's tables): a database per portal and per test
# run, and one read-only role CKAN reads it through
DS_DB_NAME=${DS_DB_NAME:-satudata_datastore}
TEST_DS_DB_NAME=${TEST_DS_DB_NAME:-satudata_ds_test}
DS_RO_USER=${DS_RO_USER:-satudata_ds_ro}
DS_RO_PASS=${DS_RO_PASS:-satudata_ds_ro}
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }

# --- 1. Debian packages -------------------------------------------------------
missing=()
command -v psql >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 \
    || missing+=(postgresql postgresql-contrib)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
command -v file >/dev/null 2>&1 || missing+=(file)
[ -e /usr/lib/x86_64-linux-gnu/libmagic.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libmagic.so.1 ] \
    || missing+=(libmagic1)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv python3-dev)
if [ "$MODE" = test ]; then
    # The screen tests drive Debian's chromium; the document tests check that
    # LibreOffice opens the generated .docx files.
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui fonts-liberation2)
fi
if [ ${#missing[@]} -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. Services: only started when nothing answers on 127.0.0.1 --------------
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "Starting PostgreSQL"
    ver=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    say "Starting Redis"
    redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null
    for _ in $(seq 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
fi

psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" != 1 ]; then
    say "Creating database role $DB_USER"
    psql_admin -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASS'"
fi
# the benchmarks (make bench) each empty a database of their own
for db in "$DB_NAME" "$TEST_DB_NAME" satudata_bench satudata_bench_search satudata_bench_prov \
        satudata_bench_serve; do
    if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='$db'")" != 1 ]; then
        say "Creating database $db"
        psql_admin -c "CREATE DATABASE $db OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
    fi
done

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='$DS_RO_USER'")" != 1 ]; then
    say "Creating the DataStore's read-only role $DS_RO_USER"
    psql_admin -c "CREATE ROLE $DS_RO_USER LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$DS_RO_PASS'"
fi
DS_DB=$DS_DB_NAME
[ "$MODE" = test ] && DS_DB=$TEST_DS_DB_NAME
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='$DS_DB'")" != 1 ]; then
    say "Creating the DataStore database $DS_DB"
    psql_admin -c "CREATE DATABASE $DS_DB OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
fi

# --- 3. Python: a venv with the pinned stack and this extension --------------
if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtualenv $VENV"
    python3 -m venv "$VENV"
fi
reqs=requirements.txt
[ "$MODE" = test ] && reqs=dev-requirements.txt
stamp="$VENV/.satudata-$(cat requirements.txt dev-requirements.txt pyproject.toml setup.py | sha1sum | cut -c1-12)-$MODE"
if [ ! -e "$stamp" ]; then
    say "Installing Python packages ($reqs), 1.5 to 3 minutes the first time"
    "$VENV/bin/pip" install -q --upgrade pip wheel setuptools
    "$VENV/bin/pip" install -q -r "$reqs" -e .
    touch "$stamp"
fi
CKAN="$VENV/bin/ckan"

# --- 4. Translations ------------------------------------------------------------
VENV="$VENV" bash scripts/i18n.sh compile

# --- 5. Configuration -----------------------------------------------------------
PG_URL="postgresql://$DB_USER:$DB_PASS@127.0.0.1:5432"
DS_RO_URL="postgresql://$DS_RO_USER:$DS_RO_PASS@127.0.0.1:5432"
if [ "$MODE" = serve ]; then
    INI=ckan.ini
    if [ ! -e "$INI" ]; then
        say "Writing $INI (ckan generate config)"
        "$CKAN" generate config "$INI" >/dev/null
    fi
    mkdir -p var/storage
    "$CKAN" config-tool "$INI" \
        "sqlalchemy.url=$PG_URL/$DB_NAME" \
        "ckan.site_url=http://127.0.0.1:$PORT" \
        "ckan.site_title=Portal Satu Data Kota Pekalongan" \
        "ckan.site_description=Portal Satu Data Kota Pekalongan" \
        "ckan.redis.url=redis://127.0.0.1:6379/0" \
        "ckan.plugins=satudata_planning satudata_pgsearch scheming_datasets activity datastore tabledesigner datatables_view dcat structured_data" \
        "ckanext.dcat.rdf.profiles=euro_dcat_ap_3 satudata" \
        "ckan.datastore.write_url=$PG_URL/$DS_DB" \
        "ckan.datastore.read_url=$DS_RO_URL/$DS_DB" \
        "scheming.dataset_schemas=ckanext.satudata_planning:schemas/dataset.yaml" \
        "scheming.presets=ckanext.scheming:presets.json" \
        "scheming.dataset_fallback=false" \
        "ckan.locale_default=id" \
        "ckan.locales_offered=id en" \
        "ckan.display_timezone=Asia/Jakarta" \
        "ckan.storage_path=$ROOT/var/storage" \
        "ckan.max_resource_size=50" \
        "ckan.auth.create_user_via_web=false" \
        "ckan.auth.user_create_organizations=false" \
        "ckan.auth.user_create_groups=false" \
        "ckan.search.default_include_private=true" \
        "ckan.devserver.host=127.0.0.1" \
        "ckan.devserver.port=$PORT" >/dev/null
    "$CKAN" config-tool "$INI" -s logger_ckanext "level=INFO" >/dev/null
else
    INI=test.ini
    # test.ini names satudata_ds_test; a run of its own (TEST_DS_DB_NAME) is
    # passed on as CKAN's environment overrides, to pytest too
    export CKAN_DATASTORE_WRITE_URL="$PG_URL/$DS_DB"
    export CKAN_DATASTORE_READ_URL="$DS_RO_URL/$DS_DB"
fi

# --- 5b. The DataStore's permissions (what ``datastore set-permissions`` prints;
# safe to run again) ------------------------------------------------------------
say "DataStore permissions ($DS_DB)"
"$CKAN" -c "$INI" datastore set-permissions | psql_admin -d "$DS_DB" >/dev/null

# --- 6. Database schema: CKAN core and every enabled plugin's migrations -------
say "Migrating the database ($INI)"
"$CKAN" -c "$INI" db upgrade >/dev/null

if [ "$MODE" = test ] && [ "${SKIP_TESTS:-0}" = 1 ]; then
    exit 0
fi
if [ "$MODE" = test ]; then
    say "Running the tests: pytest --ckan-ini=test.ini $*"
    exec "$VENV/bin/pytest" --ckan-ini=test.ini "$@"
fi

# --- 7. Demo, worker, portal ------------------------------------------------------
say "Seeding the demo"
"$CKAN" -c "$INI" satudata seed-demo
"$CKAN" -c "$INI" search-index rebuild -q >/dev/null 2>&1 || true

mkdir -p var/log
say "Scheduling the daily release reminders"
"$CKAN" -c "$INI" satudata schedule-reminders
say "Starting the jobs worker (log: var/log/worker.log)"
"$CKAN" -c "$INI" jobs worker default satudata >var/log/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

echo
"$CKAN" -c "$INI" satudata demo-logins
echo
say "Portal: http://127.0.0.1:$PORT  (Ctrl-C stops the portal and the worker)"
if [ "${SERVER:-gunicorn}" = dev ]; then
    # CKAN's development server: one process, threaded (the portal screen
    # polls provisioning progress), no reloader, never Werkzeug's debugger
    "$CKAN" -c "$INI" run -H 127.0.0.1 -p "$PORT" --threaded --disable-reloader --disable-debugger
else
    # gunicorn, $WEB_WORKERS processes (default: one per core, at least 2);
    # logs in var/log/access.log and var/log/error.log
    say "gunicorn: ${WEB_WORKERS:-one per core, at least 2} workers (logs: var/log/access.log, var/log/error.log)"
    CKAN_INI="$ROOT/$INI" HOST=127.0.0.1 PORT="$PORT" LOG_DIR="$ROOT/var/log" \
        "$VENV/bin/gunicorn" -c scripts/gunicorn.conf.py \
        'ckanext.satudata_planning.serve:make_app()'
fi
