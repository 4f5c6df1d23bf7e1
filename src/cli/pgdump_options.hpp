// pg_dump's command line, modelled the way pg_dump's own getopt_long loop sees it.
//
// The wrapper never re-implements pg_dump's validation: it only needs to know where the
// output goes (-f, -F), a few flags (-v, --no-sync), whether pg_dump would print help or
// version text, and where its own --safe-* options are. Anything pg_dump's getopt would
// reject is reported as !ok so the caller can hand the argv to pg_dump untouched and let
// pg_dump print its own message and exit status.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace pds::cli {

enum class Format { Plain, Custom, Tar, Directory };

const char* format_name(Format f); // "plain", "custom", "tar", "directory"

// Parse a -F/--format value the way the given pg_dump major version does
// ("c", "custom", "C", "d", "directory", "t", "tar", "p", "plain", any case pg_dump accepts).
// nullopt when pg_dump would reject it.
std::optional<Format> parse_format(const std::string& value, int pg_major);

// Arity of a wrapper option (--safe-NAME), supplied by the caller so that
// "--safe-on-failure CMD" and "--safe-on-failure=CMD" both work.
enum class SafeArity { Unknown, Flag, Value };
using SafeArityFn = SafeArity (*)(const std::string& name_without_dashes);

// One place in argv that holds an output file name, so the rewrite can replace it.
struct FileSlot {
    std::size_t index;  // index into ParsedArgs::forwarded of the token holding the value
    std::size_t offset; // byte offset of the value inside that token ("-vfX": 3, "--file=X": 7, "X": 0)
};

struct ParsedArgs {
    bool ok = true;       // false: pg_dump's getopt would reject this argv
    std::string error;    // why, for logs/tests ("invalid option -- 'k'", "option '--fi' is ambiguous")

    bool help = false;    // pg_dump would print its help text and exit 0
    bool version = false; // pg_dump would print its version and exit 0

    std::optional<std::string> file;       // value of the last -f/--file
    std::vector<FileSlot> file_slots;      // every -f/--file value, in order
    std::optional<std::string> format_arg; // raw value of the last -F/--format
    std::optional<Format> format;          // parsed format (Plain when -F absent); nullopt if invalid
    bool verbose = false;                  // -v / --verbose seen
    bool no_sync = false;                  // --no-sync seen
    std::vector<std::string> positionals;  // non-option arguments (database name, extras)

    // Wrapper options found in option position, in order, as "--safe-name=value" or
    // "--safe-name" (flags); their argv indexes are in safe_indexes (values given as a
    // separate token occupy two indexes).
    std::vector<std::string> safe_args;
    std::vector<std::size_t> safe_indexes;
    std::string safe_error; // non-empty: a --safe-* option was unknown or lacked its value

    // argv for pg_dump: the input without the wrapper options (and their separate values).
    std::vector<std::string> forwarded;
};

// args excludes argv[0]. pg_major selects the option table (12..18; values outside are
// clamped to the nearest known table). POSIXLY_CORRECT in the environment is honoured as
// glibc's getopt does (options end at the first non-option).
ParsedArgs parse_pg_dump_args(const std::vector<std::string>& args, int pg_major,
                              SafeArityFn safe_arity);

// forwarded argv with every -f/--file value replaced by new_file; when there is no -f at all,
// "--file=NEW" is inserted as the first argument (before any "--" or positional, and without
// disturbing pg_dump's argv[1] --help/--version check, which the caller handles first).
std::vector<std::string> rewrite_file_args(const ParsedArgs& parsed, const std::string& new_file);

} // namespace pds::cli
