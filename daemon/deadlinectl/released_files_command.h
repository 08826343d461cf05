#pragma once
// deadlinectl --db DB released-files DIR: writes the database's released calendar, the files its
// latest released revision was recorded from, into DIR. For a node whose files are not the
// released ones (several nodes on one PostgreSQL: docs/operations.md, "Several nodes"), or an
// operator who lost them: the node follows once its calendars directory holds them.
//
// Read only on the database, so it runs beside running daemons. DIR must hold no *.toml yet
// (made if missing): the files are never mixed with others, which would make another revision.
// Each file is written under a temporary name and renamed; the directory is then loaded and
// must be the released revision. Prints what it wrote.
//
// Exit status: 0 written; 1 refused or failed (no released revision, DIR holds calendars, a file
// name that is not a plain *.toml name, a write error).

#include <filesystem>
#include <iosfwd>
#include <string>

namespace deadline::ctl {

int write_released_files(const std::string& database, const std::filesystem::path& dir, std::ostream& out,
                         std::ostream& err);

}  // namespace deadline::ctl
