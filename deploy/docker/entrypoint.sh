#!/bin/sh
# The image's one entry point: what to run is the first argument.
#   web        gunicorn serving the portal, API, /metrics and probes on :8050
#   scheduler  python -m pipeline schedule (one replica leads; see docs/operations.md)
#   pipeline   python -m pipeline ARGS...    (run, status, migrate, ...)
#   backup     python -m warehouse.backup ARGS...
#   migrate    python -m pipeline migrate
set -eu
command="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$command" in
  web)
    exec gunicorn --bind "0.0.0.0:${C360_PORT:-8050}" --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" \
      --timeout 120 --graceful-timeout 30 --keep-alive 5 --access-logfile - "app:create_server()" "$@" ;;
  scheduler) exec python -m pipeline schedule "$@" ;;
  pipeline) exec python -m pipeline "$@" ;;
  backup) exec python -m warehouse.backup "$@" ;;
  migrate) exec python -m pipeline migrate ;;
  *) exec "$command" "$@" ;;
esac
