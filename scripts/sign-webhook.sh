#!/usr/bin/env bash
# Prints the signature header value for a form webhook body:  sha256=<base64 HMAC-SHA256>.
#   scripts/sign-webhook.sh SECRET FILE
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SECRET BODY_FILE" >&2; exit 64; }
printf 'sha256=%s\n' "$(openssl dgst -sha256 -hmac "$1" -binary < "$2" | base64 -w0)"
