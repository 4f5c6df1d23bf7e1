// pg_dump's command line, modelled the way pg_dump's own getopt_long loop sees it.
//
// The wrapper never re-implements pg_dump's validation: it only needs to know where the
// output goes (-f, -F), a few flags (-v, --no-sync), whether pg_dump would print help or
// version text, and where its own --safe-* options are. Anything pg_dump's command-line
// parsing would reject is reported as !ok so the caller can hand the argv to pg_dump untouched
// and let pg_dump print its own message and exit status.
//
// The model is glibc's getopt_long (pg_dump on Linux uses the C library's, not PostgreSQL's
// src/port fallback): arguments are permuted unless POSIXLY_CORRECT is set, "--" ends the
// options, a lone "-" is a non-option, short options cluster ("-vFc", "-vfX"), a required value
// is attached or the next argument whatever it looks like ("-f --safe-x" names a file), long
// options may be abbreviated to any unique prefix (an exact match wins; several prefixes that
// are the same option, like --no-acl/--no-privileges, are not ambiguous), and pg_dump stops at
// the first error.
//
// Where "-f" output goes (pg_backup_archiver.c SetOutput, pg_backup_custom.c/_tar.c/
// _directory.c InitArchiveFmt_*, identical in 12..18):
//   plain (and the undocumented append format "a"): no -f or "-f -" is stdout; "-f ''" fails
//       when pg_dump opens the output, after the dump has run;
//   custom, tar: no -f or "-f ''" is stdout; "-f -" creates a regular file named "-";
//   directory: no -f or "-f ''" is an error ("no output directory specified"); "-f -" is a
//       directory named "-".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace pds::cli {

enum class Format { Plain, Custom, Tar, Directory };

const char* format_name(Format f); // "plain", "custom", "tar", "directory"

// Parse a -F/--format value the way the given pg_dump major version does (parseArchiveFormat,
// unchanged from 12 to 18): ASCII case-insensitive "c"/"custom", "d"/"directory", "t"/"tar",
// "p"/"plain", and pg_dumpall's undocumented "a"/"append" (plain text appended to the file, see
// is_append_format). Anything else ("", "cu", "x") is nullopt: pg_dump exits with "invalid
// output format".
std::optional<Format> parse_format(const std::string& value, int pg_major);

// True for "a"/"append" in any case: plain output that pg_dump opens for appending ("ab"), so
// the output file's existing content is kept. Such a target cannot be replaced by a rename.
bool is_append_format(const std::string& value);

// Arity of a wrapper option, supplied by the caller so that "--safe-on-failure CMD" and
// "--safe-on-failure=CMD" both work. The argument is the option name without the leading "--"
// and without any "=value": "safe-on-failure".
enum class SafeArity { Unknown, Flag, Value };
using SafeArityFn = SafeArity (*)(const std::string& name_without_dashes);

// One place in argv that holds an output file name, so the rewrite can replace it.
struct FileSlot {
    std::size_t index; // index into ParsedArgs::forwarded of the token holding the value
    std::size_t
        offset; // byte offset of the value inside that token ("-vfX": 3, "--file=X": 7, "X": 0)
};

// Why pg_dump would reject the argv; each has its own stderr wording (in parentheses).
enum class ArgError {
    None,
    InvalidOption,      // unknown short option ("invalid option -- 'k'")
    UnrecognizedOption, // unknown long option ("unrecognized option '--bogus'")
    AmbiguousOption,    // prefix of several different long options ("option '--no-' is ambiguous")
    MissingArgument,    // value missing at the end ("option requires an argument -- 'f'",
                        // "option '--file' requires an argument")
    UnexpectedArgument, // "--verbose=1" ("option '--verbose' doesn't allow an argument")
    UnhandledOption,    // getopt accepted it, pg_dump has no case: --help/--version not first,
                        // -X on 18 (only pg_dump's "Try ... --help" hint)
    TooManyArguments,   // a second database name, or one besides -d ("too many command-line
                        // arguments (first is "x")")
};

struct ParsedArgs {
    bool ok = true; // false: pg_dump would reject this argv before doing anything
    std::string
        error; // why, for logs/tests ("invalid option -- 'k'", "option '--fi' is ambiguous")
    ArgError error_kind = ArgError::None; // the first error; pg_dump stops there

    bool help = false;    // pg_dump would print its help text and exit 0 (forwarded[0] is
                          // exactly "--help" or "-?")
    bool version = false; // pg_dump would print its version and exit 0 ("--version" or "-V")

    std::optional<std::string> file;       // value of the last -f/--file
    std::vector<FileSlot> file_slots;      // every -f/--file value, in order
    std::optional<std::string> format_arg; // raw value of the last -F/--format
    std::optional<Format> format; // parsed format (Plain when -F absent); nullopt if invalid
    bool append = false;          // -F a / -F append: plain text appended to the file
    bool verbose = false;         // -v / --verbose seen
    bool no_sync = false;         // --no-sync seen
    std::vector<std::string> positionals; // non-option arguments (database name, extras)

    // Wrapper options found in option position, in order, as "--safe-name=value" or
    // "--safe-name" (flags); their argv indexes are in safe_indexes (values given as a
    // separate token occupy two indexes). Unknown or malformed --safe-* tokens are not in
    // safe_args, but their indexes are in safe_indexes and they are not forwarded.
    std::vector<std::string> safe_args;
    std::vector<std::size_t> safe_indexes;
    std::string safe_error; // non-empty: a --safe-* option was unknown or lacked its value

    // argv for pg_dump: the input without the wrapper options (and their separate values).
    std::vector<std::string> forwarded;
};

// args excludes argv[0]. pg_major selects the option table (12..18; values outside are
// clamped to the nearest known table). POSIXLY_CORRECT in the environment is honoured as
// glibc's getopt does (options end at the first non-option). A null safe_arity knows no
// wrapper option: every --safe-* token is then a safe_error.
ParsedArgs parse_pg_dump_args(const std::vector<std::string>& args, int pg_major,
                              SafeArityFn safe_arity);

// Same, with POSIXLY_CORRECT given explicitly instead of read from the environment.
ParsedArgs parse_pg_dump_args(const std::vector<std::string>& args, int pg_major,
                              SafeArityFn safe_arity, bool posixly_correct);

// forwarded argv with every -f/--file value replaced by new_file; when there is no -f at all,
// "--file=NEW" is inserted as the first argument (before any "--" or positional, and without
// disturbing pg_dump's argv[1] --help/--version check, which the caller handles first).
// Throws std::invalid_argument when !parsed.ok or new_file is empty (an empty value attached
// as in "-fX" would make pg_dump take the next argument as the file).
std::vector<std::string> rewrite_file_args(const ParsedArgs& parsed, const std::string& new_file);

// Whether pg_dump writes the dump to its standard output (see the table at the top). False
// when the format is invalid, for the directory format, and for plain "-f ''" (an error).
bool file_is_stdout(const ParsedArgs& parsed);

// Major version from `pg_dump --version` output: "pg_dump (PostgreSQL) 15.18 (Debian
// 15.18-0+deb12u1)" -> 15, "pg_dump (PostgreSQL) 17devel" -> 17, "... 18beta1" -> 18,
// "... 9.6.24" -> 9. nullopt unless the first line is "pg_dump (<product>) <digits>...".
std::optional<int> parse_pg_dump_version_major(const std::string& version_output);

} // namespace pds::cli
