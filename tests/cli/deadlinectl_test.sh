#!/usr/bin/env bash
# deadlinectl's calendar commands as an operator runs them: the real binary on real files.
# Usage: deadlinectl_test.sh DEADLINECTL CALENDARS_DIR
set -euo pipefail
ctl=$1
calendars=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_status() { # expected actual what
  [ "$1" -eq "$2" ] || fail "$3: exit status $2, expected $1"
}
contains() { # file text what
  grep -qF -- "$2" "$1" || { fail "$3: missing '$2'"; sed 's/^/    | /' "$1" | head -20; }
}

# 1. The bundled calendars are clean.
set +e; "$ctl" check "$calendars" >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 0 "$status" "check calendars"
contains "$work/out" "20 programmes, 4 policies" "check calendars"

# 2. A copy with one broken line: exit 1, naming the file and the line.
mkdir "$work/broken"
cp "$calendars"/*.toml "$work/broken/"
file=$(ls "$work/broken"/*.toml | head -1)
line=$(grep -n '^closes = "2024-10-18T24:00"' "$file" | cut -d: -f1)
[ -n "$line" ] || fail "fixture: the 24:00 deadline of programme 3 is not where this test expects it"
sed -i "${line}s/.*/closes = \"2024-10-32T24:00\"/" "$file"
set +e; "$ctl" check "$work/broken" >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 1 "$status" "check broken copy"
contains "$work/err" "$file:$line: programme 'jiangsu-specialised-sme-2024-batch2' window 'apply': closes: impossible date '2024-10-32T24:00'" "check broken copy"
contains "$work/err" "calendar rejected" "check broken copy"

# 3. upcoming: soonest first, estimates marked, verbatim phrases.
set +e; "$ctl" --calendars "$calendars" upcoming --at 2026-11-27T00:00+08:00 --days 45 >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 0 "$status" "upcoming"
# Only programmes that recur are projected (docs/calendar-format.md, Recurrence).
for title in "首批次新材料保险补偿资格" "政府间国际科技创新合作" "智能工厂梯度培育" "工业机器人行业规范企业"; do
  contains "$work/out" "$title" "upcoming"
done
for title in "中小企业“揭榜”" "首台（套）重大技术装备检测评审机构" "应急通信装备创新“揭榜挂帅”" \
             "省级城乡建设发展专项资金（绿色建筑）储备库"; do
  if grep -qF -- "$title" "$work/out"; then fail "upcoming: '$title' does not recur but was projected"; fi
done
contains "$work/out" "7 个申报窗口" "upcoming"
contains "$work/out" "2026-11-30 24:00  预计  首台（套）重大技术装备保险补偿" "upcoming"
contains "$work/out" "「申报时间：10-11月」" "upcoming"
first=$(sed -n 2p "$work/out"); last=$(grep -E '^[0-9]{4}-' "$work/out" | tail -1)
[[ "$first" == 2026-11-30* ]] || fail "upcoming: first line is not the soonest close: $first"
[[ "$last" == 2026-12-31* ]] || fail "upcoming: last line is not the latest close: $last"
if grep -E '^[0-9]{4}-' "$work/out" | grep -vq "预计"; then fail "upcoming: a 2026 line is not marked 预计"; fi

# 4. --at without an offset is refused with the reason; an unknown option is a usage error.
set +e; "$ctl" --calendars "$calendars" upcoming --at 2026-11-27T00:00 >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 2 "$status" "upcoming --at without offset"
contains "$work/err" "is not an ISO-8601 time with an offset" "upcoming --at without offset"

# 5. show: one programme in full; an unknown id exits 1.
set +e; "$ctl" --calendars "$calendars" show first-batch-new-materials-insurance >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 0 "$status" "show"
contains "$work/out" "010-68205766（区号为推断）" "show"
contains "$work/out" "https://policy.smejs.cn/frontend/policy-service/77a36ab4759a410493de65bbb8f8a796" "show"
# The printed addresses, a misprint shown as printed and marked 原文如此.
set +e; "$ctl" --calendars "$calendars" show jiangsu-specialised-sme-2024-batch2 >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 0 "$status" "show addresses"
contains "$work/out" "  网上申报系统：江苏政务服务网 - 江苏省工业和信息化厅旗舰店 https://www.jszfw.gov.cn/col/col140127/index.html（原文如此）" "show addresses"
set +e; "$ctl" --calendars "$calendars" show jiangsu-frontier-tech-guideline-survey-2025 >"$work/out" 2>"$work/err"; status=$?; set -e
contains "$work/out" "  电子邮箱：jskjtgxc@163.com" "show addresses"
set +e; "$ctl" --calendars "$calendars" show no-such-thing >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 1 "$status" "show unknown"
contains "$work/err" "no programme or policy 'no-such-thing'" "show unknown"

# 6. export --format json: 20 programmes, 4 policies, instants in UTC with the local reading.
set +e; "$ctl" --calendars "$calendars" export --format json >"$work/export.json" 2>"$work/err"; status=$?; set -e
expect_status 0 "$status" "export"
/usr/bin/python3 - "$work/export.json" <<'PY' || fail "export: JSON content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "deadlined.calendar.v1"
assert len(d["programmes"]) == 20, len(d["programmes"])
assert len(d["policies"]) == 4, len(d["policies"])
assert all(p["link"].startswith("https://") and p["phones"] for p in d["programmes"])
addresses = [a for p in d["programmes"] for a in p["addresses"]]
assert len(addresses) == 18, len(addresses)
p17 = next(p for p in d["programmes"] if p["number"] == 17)
assert p17["addresses"][0] == {"kind": "submission_system", "printed": "https://www.jszfwf.gov.cn/", "name": "江苏省政务服务网",
                               "misprint": True, "corrected": None, "correction_source": None, "href": None}, p17["addresses"]
p3 = next(p for p in d["programmes"] if p["number"] == 3)
w = next(w for w in p3["windows"] if w["status"] == "confirmed")
assert w["closes"]["utc"] == "2024-10-18T16:00:00Z", w
assert w["closes"]["local"] == "2024-10-19T00:00:00+08:00", w
assert w["closes"]["written"] == "2024-10-18T24:00", w
PY

# 7. diff: exit 0 identical, 1 different, 2 trouble (as diff(1)); one line per changed window.
pair="$(dirname "$0")/../calendar/fixtures/diff"
set +e; "$ctl" diff "$calendars" "$calendars" >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 0 "$status" "diff identical"
[ ! -s "$work/out" ] || fail "diff identical: printed something"
set +e; "$ctl" diff "$pair/before.toml" "$pair/after.toml" >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 1 "$status" "diff different"
[ "$(wc -l <"$work/out")" -eq 10 ] || fail "diff different: $(wc -l <"$work/out") lines, expected 10"
contains "$work/out" "p-move/apply/2024 【延期项目】 moved later: closes 2024-11-20T17:00 → 2024-11-27T17:00 (source: 关于延长延期项目申报时间的通知, 江苏省工业和信息化厅, 2024-11-18, https://gxt.jiangsu.gov.cn/notice/3)" "diff different"
contains "$work/out" "p-cancel/apply/2024 【撤回项目】 cancelled: was closing 2024-12-10T17:00" "diff different"
set +e; "$ctl" diff "$pair/before.toml" "$pair/after.toml" --json >"$work/diff.json" 2>"$work/err"; status=$?; set -e
expect_status 1 "$status" "diff --json"
/usr/bin/python3 - "$work/diff.json" <<'PY' || fail "diff --json: content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["identical"] is False
kinds = {c["window"]: c["kinds"] for c in d["changes"]}
assert kinds["p-confirm-late/apply/2024"] == ["moved", "confirmed", "opens-changed", "phrase-changed"], kinds
assert kinds["p-recurs/apply/2026"] == ["estimate-dropped"], kinds
PY
set +e; "$ctl" diff "$calendars" "$work/broken" >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 2 "$status" "diff with a broken calendar"
contains "$work/err" "$file:$line: programme 'jiangsu-specialised-sme-2024-batch2' window 'apply': closes: impossible date" "diff with a broken calendar"
set +e; "$ctl" diff "$calendars" >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 2 "$status" "diff with one calendar"

# A database URI is never taken for a file name (it once made a directory "postgresql:").
mkdir "$work/cwd"
set +e; (cd "$work/cwd" && "$ctl" --db "sqlite:///tmp/x.sqlite" outbox) >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 2 "$status" "--db with a scheme"
contains "$work/err" "--db: 'sqlite:///tmp/x.sqlite' is not a database deadlined can use (scheme 'sqlite')" "--db with a scheme"
# A PostgreSQL database is one (tests/pg/ and the pg.integration tests use real ones); a server
# that cannot be reached is an error that names it, without its password.
set +e; (cd "$work/cwd" && "$ctl" --db "postgresql://ops:hunter2@/deadlined?host=/nonexistent-deadlined-dir" outbox) >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 1 "$status" "--db postgresql://"
contains "$work/err" "cannot connect to PostgreSQL postgresql://ops@/deadlined?host=/nonexistent-deadlined-dir" "--db postgresql://"
if grep -q hunter2 "$work/err"; then fail "--db postgresql://: the password was printed"; fi
set +e; (cd "$work/cwd" && "$ctl" --db "postgresql://ops:hunter2@db/deadlined" backup x.dump) >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 1 "$status" "backup on postgresql://"
contains "$work/err" "--db postgresql://ops@db/deadlined: back up a PostgreSQL database with PostgreSQL's own tools: pg_dump --format=custom" "backup on postgresql://"
set +e; (cd "$work/cwd" && "$ctl" --db "postgresql://ops@db/deadlined" restore x.dump) >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 1 "$status" "restore on postgresql://"
contains "$work/err" "pg_restore --clean --if-exists" "restore on postgresql://"
[ -z "$(ls -A "$work/cwd")" ] || fail "--db with a URI created: $(ls -A "$work/cwd")"

# released-files: a database with no released calendar has nothing to write, and writes nothing.
set +e; "$ctl" --db "$work/empty.sqlite" released-files "$work/released" >"$work/out" 2>"$work/err"; status=$?; set -e
expect_status 1 "$status" "released-files with no revision"
contains "$work/err" "has no released calendar revision yet: nothing to write" "released-files with no revision"
[ ! -e "$work/released" ] || fail "released-files with no revision made $work/released"

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "deadlinectl: all checks passed"
