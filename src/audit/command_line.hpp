// What the command lines of pg_dump-safe-audit's modes share (audit and verify mode in
// audit/options.cpp, --restore-test in restore/cli.cpp): Boost.Program_options parsing with
// positional operands, --format and --output, writing the report, the exit statuses and the
// error messages of a run that cannot start.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::audit {

inline constexpr const char* kProgram = "pg_dump-safe-audit";

// Exit statuses of every mode: 0 all good, 1 warnings, 2 critical (a dump fails), 3 the run
// could not start or finish (bad option, unreadable operand, output not writable).
inline constexpr int kGood = 0;
inline constexpr int kWarnings = 1;
inline constexpr int kCritical = 2;
inline constexpr int kCannotRun = 3;

// A bad command line: the message is for the user; the exit status is kCannotRun.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class OutputFormat { Table, Json, Prometheus };

// Parses args (argv[0] excluded) against desc (to which it adds "operand"), with every positional
// word collected as "operand" (std::vector<std::string>) and no guessing of abbreviated option
// names. Throws UsageError.
boost::program_options::variables_map
parse_command_line(const std::vector<std::string>& args,
                   boost::program_options::options_description& desc);

template <typename T>
std::optional<T> get(const boost::program_options::variables_map& vm, const char* name) {
    if (vm.count(name))
        return vm[name].as<T>();
    return std::nullopt;
}

// The options both modes spell alike; each is read from vm when present.
//   --format=table|text|json|prometheus (else `dflt`), -o/--output=FILE (else "": stdout)
OutputFormat format_option(const boost::program_options::variables_map& vm, OutputFormat dflt);
std::string output_option(const boost::program_options::variables_map& vm);

// A directory that is not a directory dump (no toc.dat in it).
bool is_backup_root(const std::string& path);

// The report: to `out` when `output` is empty (a failed write throws), else written to
// `output` atomically (posix::write_file_atomically, mode 0666 & ~umask).
void emit_report(const std::string& output, const std::string& text, std::ostream& out);

// Runs `body` and returns its exit status; any exception becomes an error line on `err`
// and kCannotRun. A UsageError adds "Try 'pg_dump-safe-audit <help>' for more information."
int run_reporting_errors(std::ostream& err, const std::string& help,
                         const std::function<int()>& body);

} // namespace pds::audit
