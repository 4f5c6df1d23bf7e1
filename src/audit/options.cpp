#include "audit/options.hpp"

#include <boost/program_options.hpp>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <regex>

namespace po = boost::program_options;

namespace pds::audit {
namespace {

const char* const kHelp = R"(Usage:
  pg_dump-safe-audit [OPTION]... DIR...           audit backup roots
  pg_dump-safe-audit --verify[=LEVEL] DUMP...     verify dump files or directory dumps
  pg_dump-safe-audit --restore-test DUMP|DIR...   restore drill (--restore-test --help)

Audit mode walks each backup root DIR (recursively) and reports:
  headroom      filesystem size and free space of each root, the estimated need of the next
                run (the sum over the root's series of each one's largest recent final
                dump) and whether the free space falls short of it
  partials      every *.partial file or directory: size, age and, when the wrapper left a
                <partial>.failure.json record beside it, why it failed; never a restore
                point
  empty finals  final dumps (*.dump, *.sql, *.sql.gz, *.tar, directories holding toc.dat,
                --pattern, and any file whose content is pg_dump or pg_dumpall output,
                whatever its name) of zero bytes or smaller than any valid pg_dump output
  restorability every final dump checked with the native verifier
  series        the newest good restore point of each series and its age: the file name
                with its date/time stamp removed, grouped across a tool's rotation folders
                (daily/weekly/monthly, YEAR/Month, dated folders; see pg_dump-safe-audit(1))
Verify mode (--verify and only dump files or directory dumps as operands) prints, for each
dump: format, archive version, pg_dump version, database, creation time, entry count, data
bytes and the verdict with the problem found. It works on any pg_dump output.

Options:
  --verify[=LEVEL]       verification level: none (metadata only; audit mode), toc,
                         structure (the default), full (also decompresses every stream)
  --format=FORMAT        table (default), json, prometheus (node_exporter textfile
                         collector); verify mode: table or json
  -o, --output=FILE      write the report to FILE atomically (temporary file in the same
                         directory, fsync, rename) instead of standard output
  --min-free=SIZE|PCT    free space each root must keep, e.g. 20G, 512M or 15% of the
                         filesystem (default: the estimated need of the next dump
                         × --margin)
  --margin=FACTOR        multiplies the estimated need when --min-free is not given (1.0)
  --max-age=DURATION     flag a series whose newest good restore point is older, e.g. 26h,
                         3d, 90m, 1d12h (default: ages are reported, never flagged)
  --max-restore-age=DURATION
                         flag a series whose newest good restore point has no passed
                         restore drill (FINAL.restore-test.json, see --restore-test) newer
                         than DURATION, or whose last drill failed: a warning, critical with
                         --strict
  --strict               --max-restore-age findings are critical, not warnings
  --stale-partial=DURATION
                         a partial without a failure record counts as stale (abandoned)
                         when its last change is older than this (default 1h); a partial
                         with a failure record is always stale
  --recent=N             how many newest finals of a series make up its need (default 3)
  --expect-series=N      each root must hold at least N series; fewer is critical (an
                         unmounted volume or a job that stopped). A root without any final
                         dump is critical with --max-age and a warning otherwise
  --pattern=GLOB         also treat file names matching GLOB as final dumps (repeatable)
  --series=REGEX         name series by REGEX (ECMAScript) searched in the file name: its
                         first capture group, or the whole match; names it does not match
                         keep the default series
  --cache=FILE           verification cache (default
                         $XDG_CACHE_HOME/pg_dump-safe/audit-cache or
                         ~/.cache/pg_dump-safe/audit-cache); a file whose device, inode,
                         size and mtime are unchanged is not read again
  --no-cache             verify everything, neither read nor write the cache
  -v, --verbose          table: list every final dump, not only the ones with problems
  --now=EPOCH            compute ages as if the time were EPOCH (seconds; for testing)
  -h, --help             show this help and exit
  --version              show the version and exit

Colour is used in the table only when standard output is a terminal and NO_COLOR is unset.
Names are escaped, never mangled: visible C escapes (\n, \t, \\, \xHH) in the table, JSON
escapes (bytes that are not UTF-8 as the text \xHH) in JSON, label escapes in Prometheus.

Exit status:
  0  all good
  1  warnings: stale partials, low headroom, unreadable directories, failed older finals,
     a root without final dumps, a stamp in the future, a link to a dump outside the root,
     --max-restore-age without --strict
  2  critical: the newest final of a series is unrestorable, a series has no good restore
     point or its newest one is older than --max-age, a final dump is empty or tiny, a
     root holds no final dump (with --max-age) or fewer series than --expect-series;
     verify mode: a dump failed verification
  3  the audit could not run: bad option, unreadable or missing root or dump, output or
     report file not writable
)";

} // namespace

std::string help_text() {
    return kHelp;
}

std::optional<std::uint64_t> parse_size(const std::string& s) {
    if (s.empty())
        return std::nullopt;
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || errno != 0 || !(v >= 0) || !std::isfinite(v))
        return std::nullopt;
    std::string unit(end);
    for (auto& c : unit)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit.size() >= 2 && unit.compare(unit.size() - 2, 2, "IB") == 0)
        unit.erase(unit.size() - 2);
    else if (unit.size() == 2 && unit[1] == 'B')
        unit.erase(1);
    else if (unit == "B")
        unit.clear();
    static const std::string units = "KMGTPE";
    double mult = 1;
    if (!unit.empty()) {
        auto k = units.find(unit);
        if (unit.size() != 1 || k == std::string::npos)
            return std::nullopt;
        mult = std::pow(1024.0, static_cast<double>(k + 1));
    }
    double bytes = v * mult;
    if (bytes > 1.8e19)
        return std::nullopt;
    return static_cast<std::uint64_t>(std::llround(bytes));
}

std::optional<std::int64_t> parse_duration(const std::string& s) {
    static const std::regex whole("([0-9]+[smhdw]?)+");
    static const std::regex part("([0-9]+)([smhdw]?)");
    if (s.empty() || !std::regex_match(s, whole))
        return std::nullopt;
    std::int64_t total = 0;
    for (std::sregex_iterator it(s.begin(), s.end(), part), end; it != end; ++it) {
        const std::string num = (*it)[1];
        if (num.size() > 12)
            return std::nullopt;
        std::int64_t n = std::stoll(num);
        switch ((*it)[2].length() ? (*it)[2].str()[0] : 's') {
        case 'w':
            n *= 7 * 86400;
            break;
        case 'd':
            n *= 86400;
            break;
        case 'h':
            n *= 3600;
            break;
        case 'm':
            n *= 60;
            break;
        default:
            break;
        }
        total += n;
    }
    return total;
}

std::string default_cache_file() {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg && *xdg == '/')
        return std::string(xdg) + "/pg_dump-safe/audit-cache";
    const char* home = std::getenv("HOME");
    if (home && *home)
        return std::string(home) + "/.cache/pg_dump-safe/audit-cache";
    return "";
}

Options parse_options(const std::vector<std::string>& given) {
    // Boost.Program_options lets an implicit-value option take the next word as its value
    // ("--verify DIR" would read DIR as the level). The level is only ever --verify=LEVEL:
    // a bare --verify (before any "--") means the default level.
    std::vector<std::string> args = given;
    for (std::string& a : args) {
        if (a == "--")
            break;
        if (a == "--verify")
            a = "--verify=structure";
    }
    po::options_description desc;
    desc.add_options()("help,h", "")("version", "")(
        "verify", po::value<std::string>()->implicit_value("structure"))(
        "format", po::value<std::string>())("output,o", po::value<std::string>())(
        "min-free", po::value<std::string>())("margin", po::value<std::string>())(
        "max-age", po::value<std::string>())("max-restore-age", po::value<std::string>())(
        "strict", "")("stale-partial", po::value<std::string>())(
        "recent", po::value<std::string>())("expect-series", po::value<std::string>())(
        "pattern", po::value<std::vector<std::string>>()->composing())(
        "series", po::value<std::string>())("cache", po::value<std::string>())("no-cache", "")(
        "verbose,v", "")("now", po::value<std::string>());
    const po::variables_map vm = parse_command_line(args, desc);

    Options o;
    o.help = vm.count("help") > 0;
    o.version = vm.count("version") > 0;
    o.verbose = vm.count("verbose") > 0;
    if (auto v = get<std::vector<std::string>>(vm, "operand"))
        o.operands = *v;
    if (auto v = get<std::string>(vm, "verify")) {
        o.verify_given = true;
        if (*v == "none")
            o.level.reset();
        else if (auto l = verify::parse_level(*v))
            o.level = *l;
        else
            throw UsageError("--verify: unknown level '" + *v +
                             "' (expected none, toc, structure or full)");
    }
    o.format = format_option(vm, OutputFormat::Table);
    o.output = output_option(vm);
    if (auto v = get<std::string>(vm, "min-free")) {
        if (!v->empty() && v->back() == '%') {
            char* end = nullptr;
            double p = std::strtod(v->c_str(), &end);
            if (end != v->c_str() + v->size() - 1 || !(p >= 0 && p <= 100))
                throw UsageError("--min-free: bad percentage '" + *v + "' (expected 0%..100%)");
            o.min_free_percent = p;
        } else if (auto b = parse_size(*v)) {
            o.min_free_bytes = *b;
        } else {
            throw UsageError("--min-free: bad size '" + *v + "' (expected e.g. 20G, 512M, 15%)");
        }
    }
    if (auto v = get<std::string>(vm, "margin")) {
        char* end = nullptr;
        double m = std::strtod(v->c_str(), &end);
        if (v->empty() || *end != '\0' || !(m > 0 && m < 1000))
            throw UsageError("--margin: bad factor '" + *v + "' (expected a number > 0)");
        o.margin = m;
    }
    auto duration = [&](const char* name) -> std::optional<std::int64_t> {
        auto v = get<std::string>(vm, name);
        if (!v)
            return std::nullopt;
        auto d = parse_duration(*v);
        if (!d)
            throw UsageError(std::string("--") + name + ": bad duration '" + *v +
                             "' (expected e.g. 90m, 26h, 3d, 1d12h)");
        return d;
    };
    o.max_age = duration("max-age");
    o.max_restore_age = duration("max-restore-age");
    o.strict = vm.count("strict") > 0;
    if (auto d = duration("stale-partial"))
        o.stale_partial = *d;
    if (auto v = get<std::string>(vm, "recent")) {
        char* end = nullptr;
        long n = std::strtol(v->c_str(), &end, 10);
        if (v->empty() || *end != '\0' || n < 1 || n > 1000000)
            throw UsageError("--recent: bad count '" + *v + "' (expected a number >= 1)");
        o.recent = static_cast<std::size_t>(n);
    }
    if (auto v = get<std::string>(vm, "expect-series")) {
        char* end = nullptr;
        long n = std::strtol(v->c_str(), &end, 10);
        if (v->empty() || *end != '\0' || n < 0 || n > 1000000)
            throw UsageError("--expect-series: bad count '" + *v + "' (expected a number >= 0)");
        o.expect_series = static_cast<std::size_t>(n);
    }
    if (auto v = get<std::vector<std::string>>(vm, "pattern"))
        o.patterns = *v;
    if (auto v = get<std::string>(vm, "series")) {
        try {
            std::regex re(*v);
        } catch (const std::regex_error& e) {
            throw UsageError("--series: bad regular expression '" + *v + "': " + e.what());
        }
        o.series_regex = *v;
    }
    o.use_cache = vm.count("no-cache") == 0;
    if (auto v = get<std::string>(vm, "cache")) {
        if (!o.use_cache)
            throw UsageError("--cache and --no-cache contradict each other");
        if (v->empty())
            throw UsageError("--cache: empty file name");
        o.cache_file = *v;
    }
    if (auto v = get<std::string>(vm, "now")) {
        char* end = nullptr;
        long long t = std::strtoll(v->c_str(), &end, 10);
        if (v->empty() || *end != '\0' || t < 0)
            throw UsageError("--now: bad time '" + *v + "' (expected seconds since the epoch)");
        o.now = static_cast<std::time_t>(t);
    }
    return o;
}

} // namespace pds::audit
