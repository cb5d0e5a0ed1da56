#!/usr/bin/env bash
# Move amounts between bank_a and bank_b, one transaction each (and count it in bank_a.moves, and in the MyISAM
# bank_b.audit), through one client session, until STOP_FILE exists. Usage: ledger_writer.sh SOCKET USER STOP_FILE
set -euo pipefail
socket=$1 user=$2 stop=$3
n=0
while [ ! -e "$stop" ]; do
    n=$((n + 1))
    from=$((1 + RANDOM % 100)) to=$((1 + RANDOM % 100)) amount=$((1 + RANDOM % 50))
    printf 'START TRANSACTION; UPDATE bank_a.accounts SET balance = balance - %d WHERE id = %d;
UPDATE bank_b.accounts SET balance = balance + %d WHERE id = %d; UPDATE bank_a.moves SET n = %d WHERE id = 1;
INSERT INTO bank_b.audit (move) VALUES (%d); COMMIT;\n' "$amount" "$from" "$amount" "$to" "$n" "$n"
    sleep 0.01
done | mariadb --no-defaults --socket="$socket" --user="$user" --batch
