#include "diff_generator.hpp"

#include "cli/pgdump_option_table.hpp"

#include <algorithm>
#include <cstring>

using pds::cli::HasArg;
using pds::cli::PgDumpLongOption;

namespace pdsdiff {

std::uint64_t Rng::next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::size_t Rng::below(std::size_t n) {
    return static_cast<std::size_t>(next() % n);
}

bool Rng::chance(double p) {
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0) < p;
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t index) {
    Rng a(index ^ 0x5851f42d4c957f2dULL);
    Rng b(seed ^ a.next());
    return b.next();
}

std::map<std::string, ValuePool> value_pools(const ServerParams& sv) {
    // clang-format off
    return {
        {"compress", sv.major >= 16
                         ? ValuePool{{"0", "1", "6", "9", "none", "gzip", "gzip:1", "gzip:level=9",
                                      "lz4", "lz4:3", "zstd", "zstd:3", "zstd:level=2,long"},
                                     {"10", "x", "-1", "gzip:99", "lz4:x", "zstd:level=x",
                                      "brotli", "gzip:long"}}
                         : ValuePool{{"0", "1", "6", "9"}, {"10", "x", "-1"}}},
        {"dbname", {{"difftiny", "dbname=difftiny"}, {"nosuchdb"}}},
        {"encoding", {{"UTF8", "LATIN1", "SQL_ASCII"}, {"bogus_enc"}}},
        {"exclude-schema", {{"nosuch", "oth*"}, {}}},
        {"exclude-table", {{"t2", "nosuch"}, {}}},
        {"exclude-table-data", {{"t2", "t*"}, {}}},
        // pg_dump 16: the -and-children family.
        {"table-and-children", {{"t1", "public.t*"}, {"nosuch"}}},
        {"exclude-table-and-children", {{"t2", "nosuch"}, {}}},
        {"exclude-table-data-and-children", {{"t2", "t*"}, {}}},
        // pg_dump 17.
        {"filter", {{sv.filter_file, "/dev/null"}, {"nosuch-filter.txt"}}},
        {"exclude-extension", {{"plpgsql", "nosuch"}, {}}},
        {"sync-method", {{"fsync", "syncfs"}, {"bogus", ""}}},
        {"extension", {{"plpgsql"}, {"nosuch"}}},
        {"extra-float-digits", {{"0", "3", "-15"}, {"4", "x"}}},
        // Relative names only: each run's cwd is its own empty directory.
        {"file", {{"out.sql", "out.dump", "out.tar", "dd", "o2.sql", "-"},
                  {"", "sub/x.sql", ".", "--", "a=b", "-v"}}},
        {"format", {{"c", "custom", "C", "Custom", "CUSTOM", "d", "directory", "D", "Directory",
                     "t", "tar", "T", "TAR", "p", "plain", "P", "Plain", "a", "append", "A",
                     "APPEND", "cUsToM", "dIrEcToRy", "tAr", "pLaIn", "Append"},
                    {"", "x", "cu", "tarx", "custom ", "pl", "dir"}}},
        {"host", {{sv.host}, {}}},
        {"include-foreign-data", {{"nosuch"}, {}}},
        {"jobs", {{"1", "2"}, {"0", "x"}}}, // never above 2
        {"lock-wait-timeout", {{"5s", "10000"}, {}}},
        {"port", {{sv.port}, {"x"}}},
        {"restrict-key", {{"abc123", "K9"}, {"bad-key"}}},
        {"role", {{sv.user}, {"nosuchrole"}}},
        {"rows-per-insert", {{"1", "7"}, {"0", "x"}}},
        {"schema", {{"public"}, {"nosuch"}}},
        {"section", {{"pre-data", "data", "post-data"}, {"bogus"}}},
        {"snapshot", {{}, {"00000003-0000001B-1"}}},
        {"superuser", {{sv.user}, {}}},
        {"table", {{"t1", "public.t*"}, {"nosuch"}}},
        {"username", {{sv.user}, {"nosuchuser"}}},
    };
    // clang-format on
}

namespace {

using Unit = std::vector<std::string>;

class Gen {
public:
    Gen(Rng& r, const ServerParams& sv) : r_(r), pools_(value_pools(sv)) {
        for (const PgDumpLongOption* o : pds::cli::long_options_for(sv.major)) {
            all15_.push_back(o);
            if (std::isalpha(o->val) && o->flag == nullptr && o->val != 'V')
                letter_long_[static_cast<char>(o->val)] = o->name;
            const std::string n = o->name;
            if (n != "help" && n != "version" && n != "file" && n != "format" && n != "dbname")
                others_.push_back(o);
        }
        for (const PgDumpLongOption& o : pds::cli::all_long_options())
            if (o.first_major > sv.major || o.last_major < sv.major)
                foreign_.push_back(o.name);
        const char* os = pds::cli::short_optstring(sv.major);
        for (const char* p = os; *p; ++p) {
            if (*p == ':')
                continue;
            (p[1] == ':' ? value_letters_ : flag_letters_).push_back(*p);
        }
    }

    Case build(bool valid) {
        Case c;
        c.valid_mode = valid;
        valid_ = valid;
        std::vector<Unit> units;
        if (r_.chance(0.8))
            units.push_back(long_or_short("format"));
        if (r_.chance(0.75))
            units.push_back(long_or_short("file"));
        const std::size_t n_other = r_.below(4);
        for (std::size_t k = 0; k < n_other; ++k)
            units.push_back(option_unit(r_.pick(others_)));
        if (r_.chance(0.3))
            units.push_back(cluster_unit());
        if (r_.chance(0.15)) // repeated -f / -F: the last one wins
            units.push_back(long_or_short(r_.chance(0.5) ? "file" : "format"));
        if (r_.chance(0.1))
            units.push_back(long_or_short(r_.chance(0.5) ? "file" : "format"));
        shuffle(units);

        bool missing_value_at_end = false;
        if (!valid) {
            const std::size_t n_wild = 1 + r_.below(2);
            for (std::size_t k = 0; k < n_wild; ++k) {
                const std::size_t kind = r_.below(10);
                if (kind == 3) {
                    missing_value_at_end = true;
                    continue;
                }
                units.insert(units.begin() + static_cast<long>(r_.below(units.size() + 1)),
                             wild_unit(kind));
            }
        }

        // The database: a positional anywhere (possibly after "--"), -d, or PGDATABASE.
        const std::size_t db = r_.below(10);
        if (db < 6) {
            Unit name = {r_.chance(0.85) ? "difftiny" : "dbname=difftiny"};
            if (!valid && r_.chance(0.1))
                name = {"nosuchdb"};
            if (r_.chance(0.12)) {
                units.push_back({"--", name[0]});
            } else {
                units.insert(units.begin() + static_cast<long>(r_.below(units.size() + 1)), name);
            }
        } else if (db < 8) {
            units.insert(units.begin() + static_cast<long>(r_.below(units.size() + 1)),
                         long_or_short("dbname"));
        }
        if (missing_value_at_end)
            units.push_back(missing_value_unit());

        for (const Unit& u : units)
            c.argv.insert(c.argv.end(), u.begin(), u.end());
        return c;
    }

    // --help / --version / -? / -V as argv[1] (pg_dump's pre-getopt check) with junk after.
    Case help_or_version() {
        Case c;
        static const std::vector<std::string> first = {"--help", "-?", "--version", "-V"};
        c.argv.push_back(r_.pick(first));
        valid_ = false;
        const std::size_t n = r_.below(3);
        for (std::size_t k = 0; k < n; ++k) {
            const Unit u = r_.chance(0.5) ? wild_unit(r_.below(10)) : option_unit(r_.pick(others_));
            c.argv.insert(c.argv.end(), u.begin(), u.end());
        }
        return c;
    }

private:
    template <class T> void shuffle(std::vector<T>& v) {
        for (std::size_t i = v.size(); i > 1; --i)
            std::swap(v[i - 1], v[r_.below(i)]);
    }

    const PgDumpLongOption* find(const std::string& name) const {
        for (const PgDumpLongOption* o : all15_)
            if (name == o->name)
                return o;
        return nullptr;
    }

    char letter_of(const std::string& name) const {
        for (const auto& [letter, n] : letter_long_)
            if (n == name)
                return letter;
        return 0;
    }

    std::string value_for(const std::string& name) {
        const auto it = pools_.find(name);
        if (it == pools_.end())
            return "x";
        const ValuePool& p = it->second;
        const bool bad = !p.bad.empty() && (p.good.empty() || (!valid_ && r_.chance(0.3)));
        return bad ? r_.pick(p.bad) : r_.pick(p.good);
    }

    // "--name", or an abbreviation of it (in wild cases short and often ambiguous).
    std::string spell_long(const std::string& name) {
        if (r_.chance(valid_ ? 0.8 : 0.65))
            return "--" + name;
        const std::size_t len = name.size();
        const std::size_t lo = valid_ ? (len > 4 ? len - 4 : 1) : 1;
        return "--" + name.substr(0, lo + r_.below(len - lo + 1));
    }

    Unit option_unit(const PgDumpLongOption* o) {
        const std::string name = o->name;
        const char letter = letter_of(name);
        const bool takes = o->has_arg == HasArg::Required;
        if (letter && r_.chance(0.5)) {
            const std::string flag = std::string("-") + letter;
            if (!takes)
                return {flag};
            const std::string v = value_for(name);
            if (!v.empty() && r_.chance(0.5))
                return {flag + v};
            return {flag, v};
        }
        const std::string spelled = spell_long(name);
        if (!takes)
            return {spelled};
        const std::string v = value_for(name);
        if (r_.chance(0.5))
            return {spelled + "=" + v};
        return {spelled, v};
    }

    Unit long_or_short(const std::string& name) { return option_unit(find(name)); }

    // Clustered short flags: "-vxO", "-vFc", "-vf out", "-Ocf" + value.
    Unit cluster_unit() {
        std::string flags = "-";
        const std::size_t n = 1 + r_.below(3);
        for (std::size_t k = 0; k < n; ++k) {
            char l = r_.pick(flag_letters_);
            if (valid_ && l == 'W')
                l = 'v';
            flags += l;
        }
        if (r_.chance(0.6)) {
            // -v first often, the way people write it.
            if (r_.chance(0.5))
                flags.insert(1, "v");
            const char vl = r_.chance(0.7) ? (r_.chance(0.5) ? 'f' : 'F') : r_.pick(value_letters_);
            const std::string v = value_for(letter_long_.at(vl));
            flags += vl;
            if (!v.empty() && r_.chance(0.5))
                return {flags + v};
            return {flags, v};
        }
        return {flags};
    }

    Unit missing_value_unit() {
        static const std::vector<Unit> forms = {{"-f"},       {"--file"}, {"--fo"},  {"-vF"},
                                                {"-Z"},       {"--fil"},  {"-vf"},   {"--format"},
                                                {"--rows-p"}, {"-j"},     {"--sect"}};
        return r_.pick(forms);
    }

    Unit wild_unit(std::size_t kind) {
        static const std::string not_letters = "gikmlqruyzAGHIKLMPQXY019?V";
        static const std::vector<std::string> unknown_long = {
            "--bogus",    "--bogus=1",  "--statistics", "--no-data",
            "--filter=x", "--file-x=1", "--safe"};
        switch (kind) {
        case 0: { // unknown short option, alone or in a cluster
            const std::string bad(1, not_letters[r_.below(not_letters.size())]);
            if (r_.chance(0.5))
                return {"-" + bad};
            return {std::string("-v") + bad + (r_.chance(0.5) ? "O" : "")};
        }
        case 1: // unknown long option, or one of another major version
            if (r_.chance(0.5) && !foreign_.empty())
                return {"--" + r_.pick(foreign_)};
            return {r_.pick(unknown_long)};
        case 2: { // a value given to a flag
            std::vector<const PgDumpLongOption*> flags;
            for (const PgDumpLongOption* o : others_)
                if (o->has_arg == HasArg::No)
                    flags.push_back(o);
            return {spell_long(r_.pick(flags)->name) + "=1"};
        }
        case 4: // extra operands
            return r_.chance(0.5) ? Unit{"extra"} : Unit{"difftiny", "more"};
        case 5: // "--" in the middle: everything after it is an operand
            return {"--"};
        case 6: { // a short, probably ambiguous abbreviation
            const std::string n = r_.pick(all15_)->name;
            const std::string p = n.substr(0, 1 + r_.below(std::min<std::size_t>(4, n.size())));
            const PgDumpLongOption* o = find(n);
            if (o->has_arg == HasArg::Required)
                return r_.chance(0.5) ? Unit{"--" + p + "=" + value_for(n)}
                                      : Unit{"--" + p, value_for(n)};
            return {"--" + p};
        }
        case 7: { // --help / --version (or -? / -V) not as argv[1]
            static const std::vector<std::string> hv = {"--help", "--version", "-?",
                                                        "-V",     "--he",      "--vers"};
            return {r_.pick(hv)};
        }
        case 8: // a lone "-" is an operand
            return {"-"};
        default: { // an empty value where a value is required
            static const std::vector<Unit> empty = {{"--file="},   {"--compress="}, {"-F", ""},
                                                    {"--format="}, {"-f", ""},      {"-j", ""}};
            return r_.pick(empty);
        }
        }
    }

    Rng& r_;
    std::map<std::string, ValuePool> pools_;
    std::vector<const PgDumpLongOption*> all15_, others_;
    std::vector<std::string> foreign_;
    std::map<char, std::string> letter_long_;
    std::vector<char> flag_letters_, value_letters_;
    bool valid_ = true;
};

} // namespace

Case generate(std::uint64_t seed, std::uint64_t index, const ServerParams& server) {
    Rng r(mix(seed, index));
    Gen g(r, server);
    const std::size_t kind = r.below(100);
    Case c = kind < 3 ? g.help_or_version() : g.build(kind < 33);
    c.seed = seed;
    c.index = index;
    // Mostly stdout is an empty regular file (pg_dump-safe's stdout-rename shape, the shape it
    // protects and the one where it could differ); every fourth case a pipe (passed through,
    // cheap to cover), every eighth a non-empty file opened for appending.
    c.stdout_mode = index % 4 == 3   ? StdoutMode::Pipe
                    : index % 8 == 5 ? StdoutMode::Append
                                     : StdoutMode::FreshFile;
    c.posixly_correct = r.chance(0.04);
    if (r.chance(0.15)) {
        static const std::vector<std::vector<std::string>> prefixes = {
            {"--safe-verify=structure"}, {"--safe-verify", "toc"}, {"--safe-verify=full"}};
        c.safe_prefix = r.pick(prefixes);
    }
    return c;
}

std::string shell_quote(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_=./:,+%@") == std::string::npos)
        return s;
    std::string out = "'";
    for (char ch : s)
        out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out + "'";
}

std::string describe(const Case& c) {
    std::string out = c.posixly_correct ? "POSIXLY_CORRECT=1 " : "";
    out += "pg_dump";
    for (const std::string& a : c.argv)
        out += " " + shell_quote(a);
    out += c.stdout_mode == StdoutMode::Pipe     ? " | cat"
           : c.stdout_mode == StdoutMode::Append ? " >> stdout.out  (holding a line already)"
                                                 : " > stdout.out";
    if (!c.safe_prefix.empty()) {
        out += "   (pg_dump-safe also gets first:";
        for (const std::string& a : c.safe_prefix)
            out += " " + shell_quote(a);
        out += ")";
    }
    return out;
}

} // namespace pdsdiff
