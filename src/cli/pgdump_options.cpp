// A replay of glibc's getopt_long over pg_dump's option table (see pgdump_options.hpp), with
// the wrapper's --safe-* options taken out wherever getopt would be looking for an option.
#include "cli/pgdump_options.hpp"

#include "cli/pgdump_option_table.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace pds::cli {
namespace {

bool starts_with(const std::string& s, const char* prefix) {
    return s.compare(0, std::strlen(prefix), prefix) == 0;
}

class Scanner {
public:
    Scanner(const std::vector<std::string>& args, int pg_major, SafeArityFn safe_arity,
            bool posixly_correct)
        : args_(args), major_(clamp_major(pg_major)), safe_arity_(safe_arity),
          posix_(posixly_correct), options_(long_options_for(major_)),
          optstring_(short_optstring(major_)), removed_(args.size(), false) {}

    ParsedArgs run() {
        std::size_t i = 0;
        while (i < args_.size()) {
            const std::string& a = args_[i];
            if (a == "--") {
                take_positionals(i + 1);
                break;
            }
            if (a.size() < 2 || a[0] != '-') {
                if (posix_) {
                    take_positionals(i);
                    break;
                }
                out_.positionals.push_back(a);
                ++i;
            } else if (a[1] != '-') {
                i = short_options(i);
            } else if (starts_with(a, "--safe-")) {
                i = wrapper_option(i);
            } else {
                i = long_option(i);
            }
        }
        finish();
        return std::move(out_);
    }

private:
    void take_positionals(std::size_t from) {
        for (std::size_t k = from; k < args_.size(); ++k)
            out_.positionals.push_back(args_[k]);
    }

    // pg_dump exits at getopt's first complaint, so only the first error is the one it reports.
    void reject(ArgError kind, std::string message) {
        if (!out_.ok)
            return;
        out_.ok = false;
        out_.error_kind = kind;
        out_.error = std::move(message);
    }

    void safe_fail(std::string message) {
        if (out_.safe_error.empty())
            out_.safe_error = std::move(message);
    }

    // What pg_dump's switch does with a value getopt returned; value_index/offset locate the
    // option's argument in args_ (for -f).
    void apply(int val, const std::string& spelled, const std::string* value,
               std::size_t value_index, std::size_t offset) {
        if (!pg_dump_handles(val, major_)) {
            reject(ArgError::UnhandledOption,
                   "pg_dump " + std::to_string(major_) + " has no case for option '" + spelled +
                       "' (--help and --version only work as the first argument)");
            return;
        }
        switch (val) {
        case 'f':
            out_.file = *value;
            raw_file_slots_.push_back({value_index, offset});
            break;
        case 'F':
            out_.format_arg = *value;
            break;
        case 'd':
            dbname_option_ = true;
            break;
        case 'v':
            out_.verbose = true;
            break;
        case 7: // --no-sync; numeric labels belong to options without a flag variable
            out_.no_sync = true;
            break;
        default:
            break;
        }
    }

    std::size_t short_options(std::size_t i) {
        const std::string& a = args_[i];
        for (std::size_t pos = 1; pos < a.size(); ++pos) {
            const char c = a[pos];
            const char* spec = std::strchr(optstring_, c);
            if (spec == nullptr || c == ':' || c == ';') {
                reject(ArgError::InvalidOption, std::string("invalid option -- '") + c + "'");
                continue; // getopt goes on with the next letter of the cluster
            }
            const std::string spelled = std::string("-") + c;
            if (spec[1] != ':') {
                apply(c, spelled, nullptr, 0, 0);
                continue;
            }
            if (pos + 1 < a.size()) { // "-fX", "-vfX": the rest of the element is the value
                const std::string value = a.substr(pos + 1);
                apply(c, spelled, &value, i, pos + 1);
                return i + 1;
            }
            if (i + 1 < args_.size()) { // the next element, whatever it looks like
                apply(c, spelled, &args_[i + 1], i + 1, 0);
                return i + 2;
            }
            reject(ArgError::MissingArgument,
                   std::string("option requires an argument -- '") + c + "'");
            return i + 1;
        }
        return i + 1;
    }

    const PgDumpLongOption* find_long(const std::string& token, const std::string& name) {
        const LongMatch m = match_long_option(options_, name);
        if (m.ambiguous) {
            std::string candidates;
            for (const PgDumpLongOption* o : m.candidates)
                candidates += std::string(" '--") + o->name + "'";
            reject(ArgError::AmbiguousOption,
                   "option '" + token + "' is ambiguous; possibilities:" + candidates);
        } else if (m.option == nullptr) {
            reject(ArgError::UnrecognizedOption, "unrecognized option '" + token + "'");
        }
        return m.option;
    }

    std::size_t long_option(std::size_t i) {
        const std::string& a = args_[i];
        const std::size_t eq = a.find('=', 2);
        const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        const PgDumpLongOption* o = find_long(a, name);
        if (o == nullptr)
            return i + 1;
        const std::string spelled = std::string("--") + o->name;
        if (eq != std::string::npos) {
            if (o->has_arg == HasArg::No) {
                reject(ArgError::UnexpectedArgument,
                       "option '" + spelled + "' doesn't allow an argument");
                return i + 1;
            }
            const std::string value = a.substr(eq + 1);
            if (o->flag == nullptr)
                apply(o->val, spelled, &value, i, eq + 1);
            return i + 1;
        }
        if (o->has_arg != HasArg::Required) {
            if (o->flag == nullptr)
                apply(o->val, spelled, nullptr, 0, 0);
            return i + 1;
        }
        if (i + 1 >= args_.size()) {
            reject(ArgError::MissingArgument, "option '" + spelled + "' requires an argument");
            return i + 1;
        }
        if (o->flag == nullptr)
            apply(o->val, spelled, &args_[i + 1], i + 1, 0);
        return i + 2;
    }

    // "--safe-NAME[=V]" where getopt would read an option: the wrapper's, never pg_dump's.
    std::size_t wrapper_option(std::size_t i) {
        const std::string& a = args_[i];
        const std::size_t eq = a.find('=');
        const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        remove(i);
        const SafeArity arity = safe_arity_ ? safe_arity_(name) : SafeArity::Unknown;
        if (arity == SafeArity::Unknown) {
            safe_fail("unknown option '--" + name + "'");
        } else if (arity == SafeArity::Flag) {
            if (eq == std::string::npos)
                out_.safe_args.push_back("--" + name);
            else
                safe_fail("option '--" + name + "' does not take a value");
        } else if (eq != std::string::npos) {
            out_.safe_args.push_back(a);
        } else if (i + 1 < args_.size()) {
            out_.safe_args.push_back("--" + name + "=" + args_[i + 1]);
            remove(i + 1);
            return i + 2;
        } else {
            safe_fail("option '--" + name + "' requires a value");
        }
        return i + 1;
    }

    void remove(std::size_t i) {
        removed_[i] = true;
        out_.safe_indexes.push_back(i);
    }

    void finish() {
        // pg_dump takes one database name unless -d gave it, and rejects anything more.
        const std::size_t allowed = dbname_option_ ? 0 : 1;
        if (out_.positionals.size() > allowed)
            reject(ArgError::TooManyArguments, "too many command-line arguments (first is \"" +
                                                   out_.positionals[allowed] + "\")");

        std::vector<std::size_t> forwarded_index(args_.size(), 0);
        for (std::size_t k = 0; k < args_.size(); ++k) {
            if (removed_[k])
                continue;
            forwarded_index[k] = out_.forwarded.size();
            out_.forwarded.push_back(args_[k]);
        }
        for (const FileSlot& s : raw_file_slots_)
            out_.file_slots.push_back({forwarded_index[s.index], s.offset});

        if (out_.format_arg) {
            out_.format = parse_format(*out_.format_arg, major_);
            out_.append = is_append_format(*out_.format_arg);
        } else {
            out_.format = Format::Plain;
        }

        // pg_dump looks at its argv[1] before getopt: exactly these spellings, nothing else.
        if (!out_.forwarded.empty()) {
            const std::string& first = out_.forwarded.front();
            out_.help = first == "--help" || first == "-?";
            out_.version = first == "--version" || first == "-V";
        }
        if (out_.help || out_.version) {
            out_.ok = true;
            out_.error.clear();
            out_.error_kind = ArgError::None;
        }
    }

    const std::vector<std::string>& args_;
    const int major_;
    const SafeArityFn safe_arity_;
    const bool posix_;
    const std::vector<const PgDumpLongOption*> options_;
    const char* const optstring_;
    std::vector<bool> removed_;
    std::vector<FileSlot> raw_file_slots_; // indexes into args_, mapped to forwarded at the end
    bool dbname_option_ = false;
    ParsedArgs out_;
};

} // namespace

ParsedArgs parse_pg_dump_args(const std::vector<std::string>& args, int pg_major,
                              SafeArityFn safe_arity, bool posixly_correct) {
    return Scanner(args, pg_major, safe_arity, posixly_correct).run();
}

ParsedArgs parse_pg_dump_args(const std::vector<std::string>& args, int pg_major,
                              SafeArityFn safe_arity) {
    // glibc checks only whether the variable exists; an empty value counts.
    return parse_pg_dump_args(args, pg_major, safe_arity,
                              std::getenv("POSIXLY_CORRECT") != nullptr);
}

std::vector<std::string> rewrite_file_args(const ParsedArgs& parsed, const std::string& new_file) {
    if (!parsed.ok)
        throw std::invalid_argument("cannot rewrite a pg_dump argv that pg_dump would reject: " +
                                    parsed.error);
    if (new_file.empty())
        throw std::invalid_argument("cannot rewrite pg_dump's -f to an empty file name");
    std::vector<std::string> out = parsed.forwarded;
    if (parsed.file_slots.empty()) {
        out.insert(out.begin(), "--file=" + new_file);
        return out;
    }
    for (const FileSlot& s : parsed.file_slots)
        out[s.index] = out[s.index].substr(0, s.offset) + new_file;
    return out;
}

} // namespace pds::cli
