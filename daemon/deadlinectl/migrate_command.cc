#include "deadlinectl/migrate_command.h"

#include <chrono>
#include <iomanip>
#include <ostream>

#include "store/database_copy.h"

namespace deadline::ctl {

int migrate_database(const std::string& from, const std::string& to, std::ostream& out, std::ostream& err) {
  const auto source = store::parse_database_location(from, "--from");
  const auto target = store::parse_database_location(to, "--to");
  if (!source || !target) {
    err << "deadlinectl: " << (!source ? source.error() : target.error()) << "\n";
    return 2;
  }
  if (from == to) {
    err << "deadlinectl: --from and --to name the same database\n";
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();
  auto source_rows = store::open_table_rows(*source);
  if (!source_rows) {
    err << "deadlinectl: " << source_rows.error() << "\n";
    return 1;
  }
  auto target_rows = store::open_table_rows(*target);
  if (!target_rows) {
    err << "deadlinectl: " << target_rows.error() << "\n";
    return 1;
  }
  out << "moving " << source->shown << " -> " << target->shown << "\n";
  const auto moved = store::copy_database(**source_rows, **target_rows);
  if (!moved) {
    err << "deadlinectl: " << moved.error() << "\n";
    return 1;
  }
  std::int64_t total = 0;
  for (const store::TableSum& t : moved->tables) {
    out << "  " << std::left << std::setw(20) << t.table << std::right << std::setw(10) << t.rows << "\n";
    total += t.rows;
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out << "  " << std::left << std::setw(20) << "(all)" << std::right << std::setw(10) << total << " rows in "
      << std::fixed << std::setprecision(1) << seconds << " s\n"
      << "checksum sha256:" << moved->checksum << " (source and target alike)\n"
      << "Not in the database, carry them yourself: the token key ring ([tokens] keys_file, without it every "
         "link in sent mail stops working) and the admin token ([admin] token_file).\n";
  return 0;
}

}  // namespace deadline::ctl
