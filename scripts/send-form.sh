#!/usr/bin/env bash
# Sends a signed JSON form submission to a running Steward.
#   scripts/send-form.sh FORM BODY_FILE [BASE_URL]   (secret from STEWARD_FORM_SECRET)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 FORM BODY_FILE [BASE_URL]" >&2; exit 64; }
secret=${STEWARD_FORM_SECRET:-steward-demo-form-secret}
base=${3:-http://127.0.0.1:8080}
sig=$("$(dirname "$0")/sign-webhook.sh" "$secret" "$2")
curl -sS -X POST "$base/hooks/forms/$1" -H 'Content-Type: application/json' \
  -H "X-Steward-Signature: $sig" --data-binary @"$2"
echo
