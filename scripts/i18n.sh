#!/usr/bin/env bash
# Translation maintenance (not needed to run the portal):
#   scripts/i18n.sh extract   refresh the .pot from the code and templates
#   scripts/i18n.sh update    merge the .pot into the id catalogue (new msgids)
#   scripts/i18n.sh check     0 untranslated and 0 fuzzy, or exit 1
#   scripts/i18n.sh compile   build the .mo that the portal loads (set-up runs it)
# The compiled catalogue is ours plus i18n/ckan-core-id.po, the override of core
# CKAN strings that CKAN's own `id` catalogue leaves in English; ours wins.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
DIR=ckanext/satudata_planning/i18n
PO=$DIR/id/LC_MESSAGES/ckanext-satudata_planning.po
MO=${PO%.po}.mo

case "${1:-compile}" in
extract)
    "$PY" setup.py -q extract_messages
    ;;
update)
    "$PY" setup.py -q update_catalog -l id
    ;;
check)
    out=$(msgfmt --check --statistics -o /dev/null "$PO" 2>&1)
    echo "$out"
    case "$out" in *untranslated*|*fuzzy*) exit 1 ;; esac
    ;;
compile)
    [ -e "$PO" ] || exit 0
    if [ -e "$DIR/ckan-core-id.po" ]; then
        msgcat --use-first "$PO" "$DIR/ckan-core-id.po" | msgfmt --check -o "$MO" -
    else
        msgfmt --check -o "$MO" "$PO"
    fi
    ;;
*)
    echo "usage: $0 extract|update|check|compile" >&2
    exit 2
    ;;
esac
