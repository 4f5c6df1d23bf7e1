// parse → locate → check command line → locate pg_restore (docs/design.md).
#include "cli/pgdump_option_table.hpp"
#include "exec/pg_wrapper.hpp"
#include "run/steps.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>

namespace pds::steps {
namespace {

// Which option table judged the command line, for every usage error.
std::string table_note(int pg_major) {
    const std::string known = "this build knows pg_dump " + std::to_string(cli::kOldestMajor) +
                              " to " + std::to_string(cli::kLatestMajor);
    const int used = cli::clamp_major(pg_major);
    if (pg_major > cli::kLatestMajor)
        return " (pg_dump " + std::to_string(pg_major) +
               " is newer than the option tables: " + known + "; the pg_dump " +
               std::to_string(used) + " table was used, and options it does not know are refused)";
    if (pg_major < cli::kOldestMajor)
        return " (pg_dump " + std::to_string(pg_major) +
               " is older than the option tables: " + known + "; the pg_dump " +
               std::to_string(used) + " table was used)";
    return " (checked with the option table of pg_dump " + std::to_string(used) + ")";
}

// A command line pg_dump-safe cannot map: status 1, as pg_dump gives for its usage errors,
// without starting pg_dump, and with no file created.
Failure usage_failure(const Invocation& inv, const std::string& what) {
    const std::string message = what + table_note(inv.pg_major);
    say("pg_dump-safe: error: " + message);
    say("pg_dump-safe: hint: Try \"pg_dump-safe --help\" for more information.");
    return Failure::of(Reason::Usage, message);
}

cli::SafeArity arity_with_version(const std::string& name) {
    return name == "safe-version" ? cli::SafeArity::Flag : cli::safe_option_arity(name);
}

} // namespace

// parse: the command line with the newest option table, only to find the --safe-* options
// (they decide which pg_dump runs; locate re-parses with that pg_dump's table), then the
// options from the command line > PG_DUMP_SAFE_* > config file. --safe-version is taken out
// (command line only).
[[nodiscard]] Step parse(const std::vector<std::string>& args, Invocation& inv, RunReport& rep) {
    inv.parsed = cli::parse_pg_dump_args(args, cli::kLatestMajor, arity_with_version);
    rep.target = target_name(inv, Output{}); // names the target in a FAILED line from here on
    std::vector<std::string> safe;
    for (const std::string& a : inv.parsed.safe_args) {
        if (a == "--safe-version")
            inv.safe_version = true;
        else
            safe.push_back(a);
    }
    try {
        if (!inv.parsed.safe_error.empty())
            throw cli::UsageError("pg_dump-safe: " + inv.parsed.safe_error);
        inv.opts = cli::load_safe_options(safe);
    } catch (const cli::UsageError& e) {
        say(e.what());
        return Failure::of(Reason::WrapperUsage, e.what());
    }
    rep.verify = cli::verify_level_name(inv.opts);
    return std::nullopt;
}

// Debian's pg_wrapper picks the version (and the server) from --cluster, PGCLUSTER, the port
// and user_clusters: decide as it does, then run that version's binaries. pg_wrapper's own
// arguments (--cluster V/C) are not pg_dump's: they are taken out of `dump_args` by their
// place among the arguments forwarded to pg_dump.
[[nodiscard]] Step follow_pg_wrapper(const std::vector<std::string>& args, const std::string& entry,
                                     Invocation& inv, std::vector<std::string>& dump_args) {
    const exec::WrapperChoice w =
        exec::resolve_pg_wrapper(inv.parsed.forwarded, exec::WrapperRoots{});
    for (const std::string& warning : w.warnings)
        say(warning);
    if (!w.error.empty()) {
        // A refused config file is pg_dump-safe's own decision (pg_wrapper would block on it).
        const bool own = w.error.compare(0, 9, "refusing ") == 0;
        say("pg_dump-safe: error: " + w.error +
            (own ? std::string() : " (as Debian's pg_wrapper " + entry + " decides)"));
        return Failure::of(Reason::Usage, w.error);
    }
    std::vector<bool> drop(args.size(), false);
    std::vector<bool> is_safe(args.size(), false);
    for (std::size_t i : inv.parsed.safe_indexes)
        is_safe[i] = true;
    std::size_t k = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (is_safe[i])
            continue;
        for (std::size_t removed : w.removed)
            if (removed == k)
                drop[i] = true;
        ++k;
    }
    dump_args.clear();
    for (std::size_t i = 0; i < args.size(); ++i)
        if (!drop[i])
            dump_args.push_back(args[i]);
    inv.tools.pg_dump = w.bindir + "/pg_dump";
    inv.tools.pg_dump_env = w.env;
    inv.tools.pg_dump_unset_env = w.unset_env;
    inv.tools.wrapper_bindir = w.bindir;
    return std::nullopt;
}

// locate: the real pg_dump (skipping ourselves; through pg_wrapper), its version, and the
// command line parsed again with that version's option table.
[[nodiscard]] Step locate(const std::vector<std::string>& args, Invocation& inv, RunReport& rep) {
    const char* path = std::getenv("PATH");
    std::string entry;
    try {
        entry = exec::find_pg_dump(inv.opts.pg_dump, path ? path : "/usr/bin:/bin");
    } catch (const exec::LocateError& e) {
        say(e.what());
        return Failure::as_pg_dump(Reason::PgDumpExit, e.exit_status, e.what());
    }
    inv.tools.pg_dump = entry;
    std::vector<std::string> dump_args = args;
    if (exec::is_pg_wrapper(entry))
        if (Step f = follow_pg_wrapper(args, entry, inv, dump_args))
            return f;
    exec::VersionProbe versions;
    const exec::ProbeResult& v = versions.probe(inv.tools.pg_dump);
    const std::optional<int> major =
        v.exit_status == 0 ? cli::parse_pg_dump_version_major(v.output) : std::nullopt;
    if (!major) {
        // Without its version there is no option table to map the command line with.
        const std::string why =
            v.exit_status == exit_status::kNotFound && !v.started
                ? std::string("could not run it: ") + std::strerror(v.start_errno)
            : v.exit_status != 0
                ? "`" + inv.tools.pg_dump + " --version` exited with status " +
                      std::to_string(v.exit_status)
                : "`" + inv.tools.pg_dump +
                      " --version` did not print a \"pg_dump (PostgreSQL) N\" line";
        const std::string message =
            "cannot tell which pg_dump " + inv.tools.pg_dump + " is: " + why;
        say("pg_dump-safe: error: " + message);
        return Failure::as_pg_dump(Reason::PgDumpExit,
                                   v.exit_status == exit_status::kNotFound
                                       ? exit_status::kNotFound
                                       : exit_status::kPgDumpError,
                                   message);
    }
    inv.pg_major = *major;
    inv.pg_version = v.output;
    const std::vector<std::string> first_safe_args = inv.parsed.safe_args;
    inv.parsed = cli::parse_pg_dump_args(dump_args, inv.pg_major, arity_with_version);
    rep.target = target_name(inv, Output{});
    if (inv.parsed.safe_args != first_safe_args || !inv.parsed.safe_error.empty())
        return usage_failure(inv, "the --safe-* options read differently with this pg_dump's "
                                  "option table than with the newest one; put them first");
    return std::nullopt;
}

// --safe-version and --safe-show-config: pg_dump-safe's own answers.
int print_wrapper_info(const Invocation& inv) {
    if (inv.safe_version)
        std::cout << "pg_dump-safe " << PDS_VERSION << "\n";
    else
        std::cout << cli::describe(inv.opts);
    return exit_status::kOk;
}

// --version and --help: pg_dump's answers.
int print_pg_dump_info(const Invocation& inv) {
    if (inv.parsed.version) {
        // Exactly pg_dump's output, which scripts parse: the probe already ran this very
        // pg_dump with --version (pg_dump-safe's own version is --safe-version, and in --help).
        std::cout << inv.pg_version << std::flush;
        return exit_status::kOk;
    }
    const exec::ChildResult c = run_pg_dump(inv.tools, inv.parsed.forwarded, -1);
    std::cout << cli::safe_help_text() << "\npg_dump-safe " << PDS_VERSION
              << " (--safe-version prints this version alone; --version prints pg_dump's)\n";
    return c.started ? c.status_for_shell() : exit_status::kNotFound;
}

// Fail closed: pg_dump never runs with a command line whose output arguments could not all be
// located (pg_dump may accept what the table rejects, and then write -f itself).
[[nodiscard]] Step check_command_line(const Invocation& inv, RunReport& rep) {
    if (!inv.parsed.ok)
        return usage_failure(inv, inv.parsed.error);
    if (!inv.parsed.format)
        return usage_failure(inv, "invalid output format \"" + inv.parsed.format_arg.value_or("") +
                                      "\" specified");
    rep.format = cli::format_name(inv.format());
    return std::nullopt;
}

// The pg_restore that verifies (--safe-pg-restore, else beside pg_dump).
[[nodiscard]] Step locate_pg_restore(Invocation& inv) {
    try {
        inv.tools.pg_restore = exec::find_pg_restore(inv.opts.pg_restore, inv.tools.pg_dump);
    } catch (const exec::LocateError& e) {
        say(e.what());
        return Failure::as_pg_dump(Reason::Usage, e.exit_status, e.what());
    }
    return std::nullopt;
}

} // namespace pds::steps
