#!/usr/bin/env bash
# Serves the app and a django-q2 worker side by side; Ctrl-C (or either one dying) stops both.
set -uo pipefail
PY=.venv/bin/python
$PY manage.py qcluster &
worker=$!
$PY manage.py runserver 127.0.0.1:8000 &
web=$!
trap 'kill $worker $web 2>/dev/null; wait 2>/dev/null' INT TERM EXIT
wait -n $worker $web
