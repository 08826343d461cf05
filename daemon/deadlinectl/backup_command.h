#pragma once
// deadlinectl backup / restore: the database file as a whole (docs/operations.md, "Back up and
// restore").
//
// backup only reads the database: SQLite's online backup API copies one consistent snapshot (a
// single read transaction; in WAL mode the daemon goes on writing meanwhile), so it runs beside
// a running deadlined and does not take its lock. The copy is written to FILE.tmp, switched to
// rollback journalling (one self-contained file), checked with PRAGMA integrity_check and only
// then renamed to FILE.
//
// restore replaces the database, so it refuses while a daemon holds it (DATABASE.lock) and holds
// that lock itself while it works, so no daemon starts meanwhile. The backup must pass
// integrity_check and carry a schema version this program knows (an older one is migrated by
// deadlined at its next start). The previous database stays beside it as
// DATABASE.before-restore.
//
// Exit status: 0 done; 1 refused or failed (every integrity problem listed).

#include <filesystem>
#include <iosfwd>

namespace deadline::ctl {

int backup_database(const std::filesystem::path& database, const std::filesystem::path& file, bool force,
                    std::ostream& out, std::ostream& err);

int restore_database(const std::filesystem::path& database, const std::filesystem::path& file, std::ostream& out,
                     std::ostream& err);

}  // namespace deadline::ctl
