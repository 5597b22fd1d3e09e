#!/usr/bin/env bash
# CKAN 2.12's own tests (those shipped in the ckan wheel) with satudata_pgsearch
# as the only plugin: no Solr anywhere. `make test` runs the search-facing
# set (--ci); the whole of logic, controllers and model takes about 25 min.
#
#   bash scripts/ckan-core-search-tests.sh                  # logic, controllers,
#                                                           # lib/search, model
#   bash scripts/ckan-core-search-tests.sh tests/lib/search # paths in the wheel
#   bash scripts/ckan-core-search-tests.sh --ci             # the set `make test`
#                                                           # runs (about 4 min)
#
# --ci runs CKAN's search-facing tests (CI_TESTS below) and leaves out those
# listed with their reason in ckanext/satudata_pgsearch/tests/
# ckan_core_not_search.txt, each with its reason.
#
# Its own database (CORE_TEST_DB_NAME, satudata_test_core by default): CKAN's
# reset drops every table. The pytest plugin
# ckanext.satudata_pgsearch.tests.ckan_core_plugin re-runs the search
# migration after each reset.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
CKAN_DIR=$("$PY" -c 'import ckan, os; print(os.path.dirname(ckan.__file__))')
DB=${CORE_TEST_DB_NAME:-satudata_test_core}
PGURL=${PGURL:-postgresql://satudata:satudata@127.0.0.1:5432}
export CKAN_SQLALCHEMY_URL="$PGURL/$DB"
export CKAN_REDIS_URL=${CKAN_REDIS_URL:-redis://127.0.0.1:6379/1}
if ! psql "$PGURL/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    psql "$PGURL/postgres" -qc "CREATE DATABASE $DB"
fi
INI="$ROOT/ckanext/satudata_pgsearch/tests/ckan-core.ini"
"$ROOT/.venv/bin/ckan" -c "$INI" db upgrade >/dev/null
CI_TESTS=(
    tests/logic/action/test_get.py::TestPackageSearch
    tests/logic/action/test_update.py::TestBulkOperations
    tests/logic/action/test_delete.py::TestOrganizationPurge
    tests/lib/search/test_query.py
    tests/controllers/test_package.py
    tests/controllers/test_organization.py
    tests/controllers/test_group.py
    tests/controllers/test_home.py
    tests/controllers/test_api.py
)
if [ "${1:-}" = --ci ]; then
    shift
    set -- "${CI_TESTS[@]}" "$@"
elif [ $# -eq 0 ]; then
    set -- tests/logic tests/controllers tests/lib/search tests/model
fi
paths=()
for p in "$@"; do
    case $p in
        -*) paths+=("$p") ;;
        *) paths+=("$CKAN_DIR/${p#ckan/}") ;;
    esac
done
while read -r id _; do
    case $id in ''|'#'*) continue ;; esac
    paths+=(--deselect "$id")
done <"$ROOT/ckanext/satudata_pgsearch/tests/ckan_core_not_search.txt"
cd "$CKAN_DIR/.."
exec "$ROOT/.venv/bin/pytest" --ckan-ini="$INI" \
    -p ckanext.satudata_pgsearch.tests.ckan_core_plugin -p no:cacheprovider \
    --rootdir "$CKAN_DIR" --confcutdir "$CKAN_DIR" -q -o addopts="" \
    "${paths[@]}"
