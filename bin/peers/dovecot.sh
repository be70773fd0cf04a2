#!/usr/bin/env bash
# Installs Debian's dovecot IMAP server for the IMAP fetch tests (clientela/testing/imap.py).
# Idempotent: does nothing when the dovecot binary is already there. The tests use neither a
# system instance nor /etc/dovecot: each pytest worker runs a private dovecot on loopback.
set -euo pipefail

if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The IMAP tests need Debian's dovecot-imapd: apt-get install dovecot-imapd ssl-cert" >&2
  exit 1
fi
echo "==> Installing dovecot-imapd (for the IMAP tests)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# ssl-cert alongside: Debian's own dovecot config wants its certificate even with SSL off.
apt-get install -y -q dovecot-imapd ssl-cert >/dev/null
