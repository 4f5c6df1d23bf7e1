#include "cli/safe_options.hpp"

#include "posix/open.hpp"

#include <boost/program_options.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <sstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace po = boost::program_options;

namespace pds::cli {
namespace {

struct OptionSpec {
    const char* name; // without "safe-"
    bool takes_value;
    const char* arg;
    const char* help;
};

// The one table of wrapper options: command line, environment, config file, help text and
// --safe-show-config all derive from it.
const OptionSpec kOptions[] = {
    {"pg-dump", true, "PATH",
     "the real pg_dump (default: first pg_dump in PATH that is not this program)"},
    {"pg-restore", true, "PATH", "pg_restore used to verify (default: beside the pg_dump used)"},
    {"verify", true, "LEVEL",
     "verification level: toc, structure (default), full, or restore (full plus a restore drill)"},
    {"verify-jobs", true, "N",
     "threads that decompress while verifying (default 0: the CPUs available, at most 8; "
     "1: none)"},
    {"verify-follow", true, "on|off",
     "at full, decompress a custom-format dump's data while pg_dump writes it (default on)"},
    {"on-failure", true, "CMD",
     "run CMD with /bin/sh -c after a failed run (also BACKUP_ON_FAILURE_CMD)"},
    {"on-success", true, "CMD",
     "run CMD with /bin/sh -c after publication (also BACKUP_ON_SUCCESS_CMD)"},
    {"hook-timeout", true, "SECONDS",
     "stop a hook's process group after SECONDS (default 3600; 0 = no limit)"},
    {"config", true, "FILE", "configuration file (default /etc/pg_dump-safe.conf, if it exists)"},
    {"show-config", false, "", "print the effective settings and where each came from, then exit"},
    {"keep-last", true, "N", "after publication keep the N newest dumps of the series"},
    {"keep-days", true, "D", "after publication keep dumps of the series newer than D days"},
    {"keep-weekly", true, "W", "keep the newest dump of each of the last W weeks"},
    {"keep-monthly", true, "M", "keep the newest dump of each of the last M months"},
    {"series", true, "GLOB",
     "file names that belong to the series (default: derived from the name)"},
    {"dry-run-retention", false, "", "print what retention would delete, delete nothing"},
    {"metrics-file", true, "PATH", "write Prometheus textfile metrics after every run"},
    {"journal", true, "PATH", "append one JSON line per run to PATH"},
    {"manifest", true, "on|off",
     "write FINAL.manifest.json (tables, rows, data bytes) and compare with the previous dump "
     "(default on)"},
    {"max-shrink", true, "PERCENT",
     "warn when the table data fell by more than PERCENT since the previous dump (default 50)"},
    {"shrink", true, "warn|fail", "what a content warning does: warn (default) or fail the run"},
};

const OptionSpec* find_spec(const std::string& name) {
    for (const auto& s : kOptions)
        if (name == s.name)
            return &s;
    return nullptr;
}

std::string env_name(const std::string& name) {
    std::string e = "PG_DUMP_SAFE_";
    for (char c : name)
        e += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return e;
}

// Every option is held as a string, so that a bad value is reported by us, with its source.
po::options_description make_description(const std::string& prefix) {
    po::options_description d;
    for (const auto& s : kOptions) {
        auto* v = po::value<std::string>();
        if (!s.takes_value)
            v->implicit_value("1")->zero_tokens();
        d.add_options()((prefix + s.name).c_str(), v, s.help);
    }
    return d;
}

struct Layer {
    std::string label;                        // "command line", "environment", ...
    std::map<std::string, std::string> value; // name without "safe-" -> value
    std::map<std::string, std::string> where; // name -> precise source
};

void take(Layer& layer, const po::variables_map& vm, const std::string& prefix,
          const std::map<std::string, std::string>& where) {
    for (const auto& s : kOptions) {
        auto it = vm.find(prefix + s.name);
        if (it == vm.end())
            continue;
        layer.value[s.name] = it->second.as<std::string>();
        auto w = where.find(s.name);
        layer.where[s.name] = w != where.end() ? w->second : layer.label;
    }
}

Layer command_line_layer(const std::vector<std::string>& args) {
    Layer layer{"command line", {}, {}};
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args)
                      .options(make_description("safe-"))
                      .style(po::command_line_style::allow_long |
                             po::command_line_style::long_allow_adjacent)
                      .run(),
                  vm);
    } catch (const po::error& e) {
        throw UsageError(std::string("pg_dump-safe: ") + e.what());
    }
    std::map<std::string, std::string> where;
    for (const auto& s : kOptions)
        where[s.name] = std::string("--safe-") + s.name;
    take(layer, vm, "safe-", where);
    return layer;
}

Layer environment_layer(const std::string& label, const std::string& var_prefix,
                        const std::map<std::string, std::string>& aliases) {
    Layer layer{label, {}, {}};
    po::variables_map vm;
    std::map<std::string, std::string> where;
    auto mapper = [&](const std::string& var) -> std::string {
        auto a = aliases.find(var);
        if (a != aliases.end()) {
            where[a->second] = var;
            return "safe-" + a->second;
        }
        if (!var_prefix.empty())
            for (const auto& s : kOptions)
                if (var == env_name(s.name)) {
                    where[s.name] = var;
                    return std::string("safe-") + s.name;
                }
        return ""; // not ours (PG_DUMP_SAFE_TARGET etc. are hook variables)
    };
    po::store(po::parse_environment(make_description("safe-"),
                                    std::function<std::string(std::string)>(mapper)),
              vm);
    take(layer, vm, "safe-", where);
    return layer;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Boost's INI parser reports neither line numbers nor which file; a first pass finds the
// line of every key so each error can name FILE:LINE.
Layer config_file_layer(const std::string& path) {
    Layer layer{"config file " + path, {}, {}};
    // Checked like sudoers or ssh's files (issue 13, finding 11): its hooks run as this user,
    // so it must be a regular file (a FIFO is refused without blocking, a directory is not an
    // empty config), owned by this user or root, writable by no one else; a read error is an
    // error, never a silently shorter file. A link is followed; the file it names is checked.
    // The directories on the way must be as trusted as the file (ssh's rule): no one else may
    // write them, unless they are sticky.
    std::string content;
    struct stat null_st {};
    if (path == "/dev/null" && ::stat(path.c_str(), &null_st) == 0 && S_ISCHR(null_st.st_mode) &&
        null_st.st_rdev == makedev(1, 3))
        return layer; // "no config file", as `ssh -F /dev/null`: the only non-regular file allowed
    try {
        const posix::Fd fd = posix::open_nofollow_regular(path, O_RDONLY, 0,
                                                          {posix::Owner::self_or_root, true, true});
        content = posix::read_all(fd.get(), path, 1 << 20);
        posix::check_trusted_directories(path);
    } catch (const posix::Error& e) {
        throw UsageError("pg_dump-safe: config file: " + std::string(e.what()));
    }
    std::istringstream in(content);
    std::map<std::string, int> line_of;
    std::ostringstream cleaned; // what Boost parses: key = value lines only
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';')
            continue;
        auto eq = t.find('=');
        std::string key = trim(t.substr(0, eq));
        std::string where = path + ":" + std::to_string(n);
        if (t[0] == '[')
            throw UsageError("pg_dump-safe: " + where + ": sections are not supported: " + t);
        if (eq == std::string::npos)
            throw UsageError("pg_dump-safe: " + where + ": expected 'key = value', got: " + t);
        if (!find_spec(key))
            throw UsageError("pg_dump-safe: " + where + ": unknown setting '" + key + "'");
        if (key == "show-config" || key == "config")
            throw UsageError("pg_dump-safe: " + where + ": '" + key +
                             "' can only be given on the command line" +
                             (key == "config" ? " or as PG_DUMP_SAFE_CONFIG" : ""));
        // Boost's INI syntax starts a comment at any '#': a value would be cut short silently.
        if (t.find('#', eq) != std::string::npos)
            throw UsageError("pg_dump-safe: " + where +
                             ": '#' starts a comment in this file, so a value cannot contain "
                             "it; put such a command in a script and name the script here");
        cleaned << t << '\n';
        if (line_of.count(key))
            throw UsageError("pg_dump-safe: " + where + ": '" + key + "' is already set on line " +
                             std::to_string(line_of[key]));
        line_of[key] = n;
    }
    std::istringstream lines(cleaned.str());
    po::variables_map vm;
    try {
        po::store(po::parse_config_file(lines, make_description(""), false), vm);
    } catch (const po::error& e) {
        throw UsageError("pg_dump-safe: " + path + ": " + e.what());
    }
    std::map<std::string, std::string> where;
    for (const auto& [k, l] : line_of)
        where[k] = path + ":" + std::to_string(l);
    take(layer, vm, "", where);
    return layer;
}

unsigned to_count(const std::string& v, const std::string& where) {
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError("pg_dump-safe: invalid value '" + v + "' for " + where +
                         ": expected a non-negative integer");
    return static_cast<unsigned>(std::stoul(v));
}

bool to_flag(const std::string& v, const std::string& where) {
    if (v == "1" || v == "true" || v == "yes" || v == "on")
        return true;
    if (v == "0" || v == "false" || v == "no" || v == "off" || v.empty())
        return false;
    throw UsageError("pg_dump-safe: invalid value '" + v + "' for " + where +
                     ": expected on or off (also accepted: true/false, yes/no, 1/0)");
}

// --safe-manifest, --safe-max-shrink ("50" or "50%"), --safe-shrink (issue 14, part 3).
template <class Where> void parse_content_options(SafeOptions& o, Where where) {
    if (o.value.count("manifest"))
        o.manifest = to_flag(o.value["manifest"], where("manifest"));
    if (o.value.count("max-shrink")) {
        std::string v = o.value["max-shrink"];
        if (!v.empty() && v.back() == '%')
            v.pop_back();
        o.max_shrink_percent = to_count(v, where("max-shrink"));
        if (o.max_shrink_percent > 100)
            throw UsageError("pg_dump-safe: invalid value '" + o.value["max-shrink"] + "' for " +
                             where("max-shrink") + ": expected a percentage from 0 to 100");
    }
    if (o.value.count("shrink")) {
        const std::string& v = o.value["shrink"];
        if (v != "warn" && v != "fail")
            throw UsageError("pg_dump-safe: invalid value '" + v + "' for " + where("shrink") +
                             ": expected warn or fail");
        o.shrink_fail = v == "fail";
    }
}

} // namespace

std::string verify_level_name(const SafeOptions& o) {
    return o.verify_restore ? "restore" : verify::level_name(o.verify);
}

SafeArity safe_option_arity(const std::string& name) {
    if (name.rfind("safe-", 0) != 0)
        return SafeArity::Unknown;
    const OptionSpec* s = find_spec(name.substr(5));
    if (!s)
        return SafeArity::Unknown;
    return s->takes_value ? SafeArity::Value : SafeArity::Flag;
}

SafeOptions load_safe_options(const std::vector<std::string>& safe_args,
                              const std::string& default_config) {
    std::vector<Layer> layers;
    layers.push_back(command_line_layer(safe_args));
    layers.push_back(environment_layer("environment", "PG_DUMP_SAFE_", {}));
    layers.push_back(environment_layer(
        "environment", "",
        {{"BACKUP_ON_FAILURE_CMD", "on-failure"}, {"BACKUP_ON_SUCCESS_CMD", "on-success"}}));

    // The config file's own location comes from the command line or environment only.
    std::string config;
    bool explicit_config = false;
    for (const auto& l : layers) {
        auto it = l.value.find("config");
        if (it != l.value.end()) {
            config = it->second;
            explicit_config = true;
            break;
        }
    }
    if (!explicit_config)
        config = default_config;
    bool config_exists = !config.empty() && ::access(config.c_str(), F_OK) == 0;
    if (explicit_config && !config_exists && !config.empty())
        throw UsageError("pg_dump-safe: config file " + config + " does not exist");
    if (config_exists)
        layers.push_back(config_file_layer(config));

    SafeOptions o;
    o.config_file = config_exists ? config : "";
    for (const auto& s : kOptions) {
        for (const auto& l : layers) {
            auto it = l.value.find(s.name);
            if (it != l.value.end()) {
                o.value[s.name] = it->second;
                o.source[s.name] = l.where.at(s.name);
                break;
            }
        }
    }
    auto get = [&](const char* name, std::string& out) {
        auto it = o.value.find(name);
        if (it != o.value.end())
            out = it->second;
    };
    auto where = [&](const char* name) {
        return o.source.count(name) ? o.source[name] : std::string(name);
    };
    get("pg-dump", o.pg_dump);
    get("pg-restore", o.pg_restore);
    get("on-failure", o.on_failure);
    get("on-success", o.on_success);
    get("series", o.series);
    get("metrics-file", o.metrics_file);
    get("journal", o.journal);
    if (o.value.count("verify")) {
        o.verify_restore = o.value["verify"] == "restore"; // the native verifier runs at full
        auto l = o.verify_restore ? verify::Level::Full : verify::parse_level(o.value["verify"]);
        if (!l)
            throw UsageError("pg_dump-safe: invalid value '" + o.value["verify"] + "' for " +
                             where("verify") + ": expected toc, structure, full or restore");
        o.verify = *l;
    }
    if (o.value.count("verify-jobs")) {
        o.verify_jobs = to_count(o.value["verify-jobs"], where("verify-jobs"));
        if (o.verify_jobs > 64)
            throw UsageError("pg_dump-safe: invalid value '" + o.value["verify-jobs"] + "' for " +
                             where("verify-jobs") + ": at most 64");
    }
    if (o.value.count("verify-follow"))
        o.verify_follow = to_flag(o.value["verify-follow"], where("verify-follow"));
    parse_content_options(o, where);
    for (auto [name, field] : {std::pair<const char*, unsigned*>{"keep-last", &o.keep_last},
                               {"keep-days", &o.keep_days},
                               {"keep-weekly", &o.keep_weekly},
                               {"keep-monthly", &o.keep_monthly},
                               {"hook-timeout", &o.hook_timeout}})
        if (o.value.count(name))
            *field = to_count(o.value[name], where(name));
    // Set anywhere but the command line, show-config would turn every scheduled run into
    // "print settings, exit 0" without a dump: refuse it loudly instead.
    if (o.value.count("show-config") && o.source["show-config"] != "--safe-show-config")
        throw UsageError("pg_dump-safe: " + where("show-config") +
                         ": show-config can only be given on the command line "
                         "(--safe-show-config)");
    if (o.value.count("show-config"))
        o.show_config = to_flag(o.value["show-config"], where("show-config"));
    if (o.value.count("dry-run-retention"))
        o.dry_run_retention = to_flag(o.value["dry-run-retention"], where("dry-run-retention"));
    for (const char* name : {"pg-dump", "pg-restore", "metrics-file", "journal", "config"})
        if (o.value.count(name) && o.value[name].empty())
            throw UsageError(std::string("pg_dump-safe: empty value for ") + where(name));
    return o;
}

std::string describe(const SafeOptions& o) {
    std::ostringstream out;
    for (const auto& s : kOptions) {
        if (std::string(s.name) == "show-config")
            continue;
        auto v = o.value.find(s.name);
        std::string value = v != o.value.end() ? v->second : "";
        std::string src = o.source.count(s.name) ? o.source.at(s.name) : "default";
        if (v == o.value.end()) {
            if (std::string(s.name) == "verify")
                value = verify_level_name(o);
            if (std::string(s.name) == "manifest" || std::string(s.name) == "verify-follow")
                value = "on";
            if (std::string(s.name) == "max-shrink")
                value = std::to_string(o.max_shrink_percent);
            if (std::string(s.name) == "shrink")
                value = "warn";
            if (std::string(s.name) == "config")
                value = o.config_file.empty() ? "(none)" : o.config_file;
        }
        out << "safe-" << s.name << " = " << value << "    # " << src << "\n";
    }
    return out.str();
}

std::string safe_help_text() {
    std::ostringstream out;
    out << "\npg_dump-safe options (never passed to pg_dump; each also read from the environment\n"
           "variable PG_DUMP_SAFE_<NAME> and from the config file as NAME = VALUE):\n";
    for (const auto& s : kOptions) {
        std::string left =
            std::string("  --safe-") + s.name + (s.takes_value ? std::string("=") + s.arg : "");
        if (left.size() < 30)
            left.resize(30, ' ');
        else
            left += "\n" + std::string(30, ' ');
        out << left << s.help << "\n";
    }
    out << "\npg_dump-safe writes FILE.partial, verifies it and renames it onto FILE; a failed "
           "run\n"
           "leaves the final name untouched and prints a line starting with \"[backup] FAILED\".\n"
           "See pg_dump-safe(1).\n";
    return out.str();
}

} // namespace pds::cli
