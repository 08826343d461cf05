#!/usr/bin/env bash
# The feed the daemon serves, judged by libical (tests/ical/libical_check.cc): `deadlinectl export
# --format ics` writes /calendar.ics byte for byte. libical must parse it without error and find
# RFC 5546's PUBLISH rules kept (the mails carry the same events with METHOD:PUBLISH: one ORGANIZER
# per VEVENT, ...), and read back the ORGANIZER the writer meant, odd characters and folding
# included. The same bytes without ORGANIZER must fail, so the check is known to be able to fail.
# Usage: libical_check_test.sh LIBICAL_CHECK DEADLINECTL CALENDARS_DIR
set -euo pipefail
check=$1
ctl=$2
calendars=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
show() { sed 's/^/    | /' "$1" | head -20; }

export_ics() { # output file, then extra export options
  local out=$1
  shift
  "$ctl" --db "$work/db.sqlite" --calendars "$calendars" export --format ics \
    --public-url https://deadlines.example.cn "$@" >"$out" 2>"$work/err" || { fail "export $*"; show "$work/err"; }
}

# The ORGANIZER of every VEVENT in libical_check --print's output must be exactly $2 (CN TAB address).
organizers_are() { # checked-output expected what
  local events wrong
  events=$(grep -c '^VEVENT ' "$1" || true)
  wrong=$(grep '^VEVENT ' "$1" | grep -cvF -- "	ORGANIZER	$2" || true)
  [ "$events" -gt 0 ] || fail "$3: no VEVENT printed"
  [ "$wrong" -eq 0 ] || { fail "$3: $wrong of $events events without ORGANIZER $2"; show "$1"; }
}

# 1. The feed as configured by default: every event, ORGANIZER the built-in mail sender.
export_ics "$work/feed.ics"
events=$(grep -c '^BEGIN:VEVENT' "$work/feed.ics" || true)
set +e; "$check" --assume-method PUBLISH --print --min-events "$events" "$work/feed.ics" >"$work/out" 2>&1; status=$?; set -e
[ "$status" -eq 0 ] || { fail "the default feed: libical_check exit $status"; show "$work/out"; }
[ "$events" -ge 20 ] || fail "the bundled calendars should give at least 20 events, got $events"
organizers_are "$work/out" "申报提醒	mailto:deadlined@localhost.localdomain" "the default feed"

# 2. The same bytes without the ORGANIZER lines (and their folded continuations): libical refuses.
awk '/^ORGANIZER[;:]/ { skip = 1; next } skip && /^ / { next } { skip = 0; print }' "$work/feed.ics" >"$work/bare.ics"
! grep -q '^ORGANIZER' "$work/bare.ics" || fail "fixture: ORGANIZER left in the stripped copy"
set +e; "$check" --assume-method PUBLISH "$work/bare.ics" >"$work/out" 2>&1; status=$?; set -e
[ "$status" -eq 1 ] || { fail "without ORGANIZER: libical_check exit $status, expected 1"; show "$work/out"; }
grep -qF "Failed iTIP restrictions for ORGANIZER property. Expected 1 instances of the property and got 0" "$work/out" ||
  { fail "without ORGANIZER: libical's iTIP message missing"; show "$work/out"; }

# 3. A sender with everything that needs care: DQUOTE, ^, ; : , in the name (quoted, RFC 6868 caret
# encoding), a name long enough to be folded inside the quoted value, and an address whose
# characters a mailto: URI must percent-encode.
name='江苏省"中小企业"服务中心; 申报提醒: 资金,认定 ^ 江苏省工业和信息化厅中小企业服务中心申报提醒'
address="ops+feeds&x=1/2'%?#{|}~^@mail.example.cn"
export_ics "$work/odd.ics" --from-name "$name" --from-address "$address" --programme jiangsu-specialised-sme-2024-batch2
LC_ALL=C awk 'length($0) > 76 { bad = 1 } END { exit bad }' "$work/odd.ics" || fail "a line over 75 octets (plus CR)"
sed -e ':a' -e 'N' -e '$!ba' -e 's/\r\n //g' "$work/odd.ics" >"$work/unfolded.ics"
written='ORGANIZER;CN="江苏省^'"'"'中小企业^'"'"'服务中心; 申报提醒: 资金,认定 ^^ 江苏省工业和信息化厅中小企业服务中心申报提醒"'
written+=":mailto:ops+feeds%26x%3D1%2F2'%25%3F%23%7B%7C%7D~%5E@mail.example.cn"$'\r'
grep -qxF -- "$written" "$work/unfolded.ics" || { fail "the ORGANIZER as written"; grep -A2 '^ORGANIZER' "$work/odd.ics" | head -3; }
[ "$(grep -c '^ORGANIZER;CN=' "$work/odd.ics")" -ge 1 ] && grep -A1 '^ORGANIZER;CN=' "$work/odd.ics" | grep -q '^ ' ||
  fail "the long ORGANIZER line should be folded"
set +e; "$check" --assume-method PUBLISH --print "$work/odd.ics" >"$work/out" 2>&1; status=$?; set -e
[ "$status" -eq 0 ] || { fail "odd sender: libical_check exit $status"; show "$work/out"; }
organizers_are "$work/out" "$name	mailto:ops+feeds%26x%3D1%2F2'%25%3F%23%7B%7C%7D~%5E@mail.example.cn" "odd sender"

# 4. An address deadlined would refuse in its configuration is refused here too.
set +e; "$ctl" --db "$work/db.sqlite" --calendars "$calendars" export --format ics --from-address 'no at sign' \
  >"$work/out" 2>&1; status=$?; set -e
[ "$status" -eq 2 ] || { fail "--from-address without @: exit $status, expected 2"; show "$work/out"; }

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "libical accepts the feed ($events events)"
