// pg_wrapper's choice of version and environment, rule by rule as postgresql-common 248 makes
// it (pg_wrapper and PgCommon.pm: get_versions, get_version_clusters, read_conf_file,
// get_cluster_port, get_cluster_socketdir, cluster_data_directory, user_cluster_map). Perl's
// details are kept where they change the result: string versus numeric comparisons, "0" and ""
// being false, `$` matching before a final newline, a failed match keeping the old $1.
#include "exec/pg_wrapper.hpp"

#include "posix/open.hpp"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <map>
#include <optional>
#include <pwd.h>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::exec {
namespace {

struct WrapperError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using Opt = std::optional<std::string>;
bool is_link(const std::string& p);
Opt read_link(const std::string& p);

// A configuration file's text (links followed: the administrator's files may be links). ""
// where pg_wrapper reads nothing from it: a file perl cannot open (missing, a dangling link,
// unreadable, a socket), a directory (perl opens it and reads no line), /dev/null. Anything
// else that is not a regular file (a FIFO, /dev/zero, another device) stops the decision:
// perl's open would wait for a writer forever or its read never end, so there is no choice of
// pg_wrapper's to follow. A regular file that cannot be read to its end stops it too.
std::string conf_text(const std::string& path) {
    posix::OpenRules rules;
    rules.follow_link = true;
    posix::Fd fd;
    try {
        fd = posix::open_nofollow_regular(path, O_RDONLY, 0, rules);
    } catch (const posix::Error& e) {
        struct stat st {};
        if (e.code() != EINVAL || ::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode) ||
            S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode))
            return {};
        struct stat null {};
        if (S_ISCHR(st.st_mode) && ::stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
            st.st_rdev == null.st_rdev)
            return {};
        std::string what = "refusing " + path;
        if (const Opt target = is_link(path) ? read_link(path) : std::nullopt)
            what += " (a symbolic link to " + *target + ")";
        throw WrapperError(what + ": it is " + posix::file_type_name(st.st_mode) +
                           ", not a regular file, which pg_wrapper would " +
                           (S_ISFIFO(st.st_mode) ? "wait on forever" : "read without end") +
                           " (make it a regular file or remove it)");
    }
    try {
        return posix::read_all(fd.get(), path, 64u << 20);
    } catch (const posix::Error& e) {
        throw WrapperError(e.what());
    }
}

using Conf = std::map<std::string, std::string>;

bool truthy(const Opt& v) {
    return v && !v->empty() && *v != "0";
}

bool exists(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0;
}
bool is_dir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool is_link(const std::string& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}
bool executable(const std::string& p) {
    return ::access(p.c_str(), X_OK) == 0;
}
Opt read_link(const std::string& p) {
    char buf[4096];
    const ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    if (n <= 0)
        return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
}
std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    boost::system::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        out.push_back(it->path().filename().string());
    return out;
}
// Perl's `$` (no /m): the end of the string, or just before a newline that ends it.
std::string perl_end(std::string s) {
    if (!s.empty() && s.back() == '\n')
        s.pop_back();
    return s;
}
double num(const std::string& s) {
    return std::strtod(s.c_str(), nullptr); // perl's numeric value of a string ("9.6", "15")
}

const std::regex kVersionDir("^(\\d+\\.?\\d+)$");

class Wrapper {
public:
    explicit Wrapper(const WrapperRoots& roots) : roots_(roots) {
        binroot_ = roots.binroot;
        const Opt conf_root = env("PG_CLUSTER_CONF_ROOT");
        confroot_ = !roots.confroot.empty() ? roots.confroot
                    : truthy(conf_root)     ? *conf_root
                                            : "/etc/postgresql";
        const Opt sysconf = env("PGSYSCONFDIR");
        common_ = !roots.common_confdir.empty() ? roots.common_confdir
                  : truthy(sysconf)             ? *sysconf
                                                : "/etc/postgresql-common";
    }

    Opt env(const std::string& name) const {
        auto changed = env_.find(name);
        if (changed != env_.end())
            return changed->second;
        const char* v = roots_.getenv ? roots_.getenv(name.c_str()) : ::getenv(name.c_str());
        return v ? Opt(v) : std::nullopt;
    }
    void set_env(const std::string& name, Opt value) { env_[name] = std::move(value); }
    const std::map<std::string, Opt>& env_changes() const { return env_; }
    std::vector<std::string>& warnings() { return warnings_; }
    const std::string& binroot() const { return binroot_; }

    std::string program_path(const std::string& program, const std::string& version) const {
        const std::string p = binroot_ + version + "/bin/" + program;
        return executable(p) ? p : "";
    }
    bool version_exists(const std::string& v) const { return !program_path("psql", v).empty(); }

    std::vector<std::string> versions(const std::string& program) const {
        std::vector<std::string> found;
        std::smatch m;
        for (const std::string& e : entries(binroot_))
            if (std::regex_match(e, m, kVersionDir) && !program_path(program, e).empty())
                found.push_back(e);
        if (program == "postgres") {
            for (const std::string& v : entries(confroot_)) {
                if (!std::regex_match(v, m, kVersionDir))
                    continue;
                std::vector<std::string> cs = entries(confroot_ + "/" + v);
                cs.push_back(".");
                cs.push_back("..");
                for (const std::string& c : cs)
                    if (exists(confroot_ + "/" + v + "/" + c + "/postgresql.conf")) {
                        found.push_back(v);
                        break;
                    }
            }
        }
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
        std::stable_sort(
            found.begin(), found.end(),
            [](const std::string& a, const std::string& b) { return num(a) < num(b); });
        return found;
    }
    Opt newest_version(const std::string& program) const {
        std::vector<std::string> v = versions(program);
        return v.empty() ? std::nullopt : Opt(v.back());
    }

    std::vector<std::string> clusters(const std::string& v) const {
        std::vector<std::string> out;
        const std::string vdir = confroot_ + "/" + v + "/";
        for (const std::string& c : entries(vdir)) {
            const std::string conf = vdir + c + "/postgresql.conf";
            if (exists(conf) || is_link(conf))
                out.push_back(c);
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    bool cluster_exists(const std::string& v, const std::string& c) const {
        const std::vector<std::string> cs = clusters(v);
        return std::find(cs.begin(), cs.end(), c) != cs.end();
    }

    Conf read_conf_file(const std::string& path) const {
        static const std::regex blank("^\\s*(?:#.*)?$");
        static const std::regex include_dir("^\\s*include_dir\\s*=?\\s*'([^']+)'\\s*(?:#.*)?$",
                                            std::regex::icase);
        static const std::regex include(
            "^\\s*include(?:_if_exists)?\\s*=?\\s*'([^']+)'\\s*(?:#.*)?$", std::regex::icase);
        // (?:(?<=\\)') of the perl pattern, a quote right after a backslash, as "\\'".
        static const std::regex quoted(
            "^\\s*([a-zA-Z0-9_.-]+)\\s*(?:=|\\s)\\s*'((?:[^']|''|\\\\')*)'\\s*(?:#.*)?$");
        static const std::regex simple("^\\s*([a-zA-Z0-9_.-]+)\\s*(?:=|\\s)\\s*(-?[[:alnum:]][["
                                       ":alnum:]._:/+-]*)\\s*(?:#.*)?$");
        Conf conf;
        std::istringstream in(conf_text(path));
        if (!in)
            return conf;
        const bool lower = path.size() >= 5 && path.compare(path.size() - 5, 5, ".conf") == 0;
        auto key_of = [&](std::string k) {
            if (lower)
                for (char& ch : k)
                    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            return k;
        };
        auto absolute = [&](const std::string& p) {
            return p[0] == '/'
                       ? p
                       : path.substr(0,
                                     path.rfind('/') == std::string::npos ? 0 : path.rfind('/')) +
                             "/" + p;
        };
        std::string line;
        int n = 0;
        std::smatch m;
        while (std::getline(in, line)) {
            ++n;
            if (std::regex_match(line, blank))
                continue;
            if (std::regex_match(line, m, include_dir)) {
                const std::string dir = absolute(m[1]);
                if (!is_dir(dir))
                    continue;
                std::vector<std::string> names = entries(dir);
                std::sort(names.begin(), names.end());
                for (const std::string& f : names) {
                    if (f[0] == '.' || f.size() < 5 || f.compare(f.size() - 5, 5, ".conf") != 0)
                        continue;
                    for (const auto& [k, v] : read_conf_file(dir + "/" + f))
                        conf[k] = v;
                }
            } else if (std::regex_match(line, m, include)) {
                for (const auto& [k, v] : read_conf_file(absolute(m[1])))
                    conf[k] = v;
            } else if (std::regex_match(line, m, quoted)) {
                std::string v, raw = m[2];
                for (std::size_t i = 0; i < raw.size(); ++i) // s/\\(.)/$1/g
                    v += raw[i] == '\\' && i + 1 < raw.size() ? raw[++i] : raw[i];
                std::string u; // s/''/'/g
                for (std::size_t i = 0; i < v.size(); ++i) {
                    u += v[i];
                    if (v[i] == '\'' && i + 1 < v.size() && v[i + 1] == '\'')
                        ++i;
                }
                conf[key_of(m[1])] = u;
            } else if (std::regex_match(line, m, simple)) {
                conf[key_of(m[1])] = m[2];
            } else {
                throw WrapperError("invalid line " + std::to_string(n) + " in " + path + ": " +
                                   line);
            }
        }
        return conf;
    }

    Opt data_directory(const std::string& v, const std::string& c, const Conf* conf) const {
        Opt d;
        if (conf) {
            auto it = conf->find("data_directory");
            if (it != conf->end())
                d = it->second;
        } else {
            d = conf_value(v, c, "data_directory");
        }
        const std::string confdir = confroot_ + "/" + v + "/" + c;
        if (!truthy(d))
            d = read_link(confdir + "/pgdata");
        if (!truthy(d) && is_link(confdir) && is_file(confdir + "/PG_VERSION"))
            d = read_link(confdir);
        if (!truthy(d) && is_file(confdir + "/PG_VERSION"))
            d = confdir;
        return d;
    }

    // get_conf_value(v, c, 'postgresql.conf', key), with postgresql.auto.conf merged in.
    Opt conf_value(const std::string& v, const std::string& c, const std::string& key) const {
        std::string fname = confroot_ + "/" + v + "/" + c + "/postgresql.conf";
        if (!exists(fname))
            fname = common_ + "/postgresql.conf";
        Conf conf = read_conf_file(fname);
        if (num(v) >= 9.4) {
            const Opt d = data_directory(v, c, &conf);
            for (const auto& [k, val] : read_conf_file(d.value_or("") + "/postgresql.auto.conf"))
                if (k != "data_directory")
                    conf[k] = val;
        }
        auto it = conf.find(key);
        return it == conf.end() ? std::nullopt : Opt(it->second);
    }

    std::string cluster_port(const std::string& v, const std::string& c) const {
        const Opt p = conf_value(v, c, "port");
        return truthy(p) ? *p : "5432";
    }

    std::string socketdir(const std::string& v, const std::string& c) const {
        Opt dir =
            conf_value(v, c, num(v) >= 9.3 ? "unix_socket_directories" : "unix_socket_directory");
        if (truthy(dir)) {
            static const std::regex rest("\\s*,[^\\n]*");
            dir = std::regex_replace(*dir, rest, "", std::regex_constants::format_first_only);
        }
        if (truthy(dir))
            return *dir;
        std::string s = "/var/run/postgresql";
        struct stat sst {};
        if (::stat(s.c_str(), &sst) != 0)
            throw WrapperError("Cannot stat " + s);
        const Opt d = data_directory(v, c, nullptr);
        if (!truthy(d))
            throw WrapperError("Invalid data directory for cluster " + v + " " + c);
        struct stat dst {};
        if (::stat(d->c_str(), &dst) != 0)
            throw WrapperError(*d + " is not accessible; please fix the directory permissions (" +
                               d->substr(0, d->rfind('/')) + "/ should be world readable)");
        if (sst.st_uid != dst.st_uid)
            s = "/tmp";
        return s;
    }

    struct Mapped {
        Opt version, cluster, db;
    };
    static std::vector<std::string> split_ws(const std::string& s) {
        std::vector<std::string> out;
        std::size_t i = 0;
        while (true) {
            i = s.find_first_not_of(" \t\n\r\f\v", i);
            if (i == std::string::npos)
                return out;
            std::size_t j = s.find_first_of(" \t\n\r\f\v", i);
            out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
            if (j == std::string::npos)
                return out;
            i = j;
        }
    }
    bool usable_entry(const std::string& file, int n, const std::string& v, const std::string& c) {
        static const std::regex remote("^(\\S+):(\\d*)$");
        if (!version_exists(v)) {
            warnings_.push_back("Warning: " + file + " line " + std::to_string(n) + ": version " +
                                v + " does not exist");
            return false;
        }
        if (!cluster_exists(v, c) && !std::regex_match(perl_end(c), remote)) {
            warnings_.push_back("Warning: " + file + " line " + std::to_string(n) + ": cluster " +
                                v + "/" + c + " does not exist");
            return false;
        }
        return true;
    }
    Mapped user_cluster_map() {
        const struct passwd* pw = ::getpwuid(::geteuid());
        const std::string user = pw ? pw->pw_name : "";
        const struct group* gr = pw ? ::getgrgid(pw->pw_gid) : nullptr;
        const std::string group = gr ? gr->gr_name : "";
        const Opt home_env = env("HOME");
        const std::string home = truthy(home_env) ? *home_env : pw ? pw->pw_dir : "";
        auto na = [](const std::vector<std::string>& f, std::size_t i) {
            return i < f.size() ? f[i] : std::string();
        };
        const std::string homemap = home + "/.postgresqlrc";
        std::istringstream rc(conf_text(homemap));
        std::string line;
        for (int n = 1; rc && std::getline(rc, line); ++n) {
            line = line.substr(0, line.find('#'));
            const std::vector<std::string> f = split_ws(line);
            if (f.empty())
                continue;
            const std::string v = na(f, 0), c = na(f, 1), db = na(f, 2);
            if (!usable_entry(homemap, n, v, c))
                continue;
            if (truthy(db))
                return {v, c, db == "*" ? std::nullopt : Opt(db)};
            warnings_.push_back("Warning: ignoring invalid line " + std::to_string(n) + " in " +
                                homemap);
        }
        const std::string mapfile = common_ + "/user_clusters";
        std::istringstream map(conf_text(mapfile));
        for (int n = 1; map && std::getline(map, line); ++n) {
            line = line.substr(0, line.find('#'));
            const std::vector<std::string> f = split_ws(line);
            if (f.empty())
                continue;
            const std::string u = na(f, 0), g = na(f, 1), v = na(f, 2), c = na(f, 3), db = na(f, 4);
            if (!truthy(db)) {
                warnings_.push_back("Warning: ignoring invalid line " + std::to_string(n) + " in " +
                                    mapfile);
                continue;
            }
            if (!usable_entry(mapfile, n, v, c))
                continue;
            if ((u == "*" || u == user) && (g == "*" || g == group))
                return {v, c, db == "*" ? std::nullopt : Opt(db)};
        }
        int count = 0;
        Mapped last, on_default;
        for (const std::string& v : versions("postgres"))
            for (const std::string& c : clusters(v)) {
                last = {v, c, std::nullopt};
                if (num(cluster_port(v, c)) == 5432)
                    on_default = {v, c, std::nullopt};
                ++count;
            }
        if (count == 1)
            return last;
        if (count == 0)
            return {newest_version("psql"), std::nullopt, std::nullopt};
        return on_default;
    }

private:
    WrapperRoots roots_;
    std::string binroot_, confroot_, common_;
    std::map<std::string, Opt> env_;
    std::vector<std::string> warnings_;
};

// The body of pg_wrapper, from its PGCLUSTER check to get_program_path.
void decide(Wrapper& w, const std::vector<std::string>& argv, WrapperChoice& out) {
    Opt version, cluster;
    bool explicit_host = w.env("PGHOST").has_value();
    Opt explicit_port = w.env("PGPORT");
    bool explicit_service = w.env("PGSERVICE").has_value();
    auto split = [](const std::string& s) {
        const std::size_t slash = s.find('/');
        return std::make_pair(s.substr(0, slash),
                              slash == std::string::npos ? Opt() : Opt(s.substr(slash + 1)));
    };
    if (const Opt pgcluster = w.env("PGCLUSTER"); pgcluster && !explicit_host) {
        std::tie(version, cluster) = split(*pgcluster);
        if (!w.version_exists(*version))
            throw WrapperError("Invalid version " + *version + " specified in PGCLUSTER");
        if (!truthy(cluster))
            throw WrapperError("No cluster specified with $PGCLUSTER");
    }
    static const std::regex cluster_eq("^--cluster=(\\d+\\.?\\d)/([^\\n]+)");
    static const std::regex host_long("^--host\\b");
    static const std::regex host_short("^-\\w*h\\w*$");
    static const std::regex port_long("^--port\\b(?:=(\\d+))?");
    static const std::regex port_short("^-\\w*p(\\d+)?$");
    static const std::regex service("\\bservice=");
    std::smatch m;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--")
            break;
        if (a == "--cluster") {
            if (i + 1 >= argv.size())
                throw WrapperError("--cluster option needs an argument (<version>/<cluster>)");
            std::tie(version, cluster) = split(argv[i + 1]);
            if (!w.version_exists(*version))
                throw WrapperError("Invalid version " + *version + " specified with --cluster");
            if (!truthy(cluster))
                throw WrapperError("No cluster specified with --cluster");
            out.removed = {i, i + 1};
            break;
        }
        if (std::regex_search(a, m, cluster_eq)) {
            version = m[1].str();
            cluster = m[2].str();
            if (!w.version_exists(*version))
                throw WrapperError("Invalid version " + *version + " specified with --cluster");
            if (!truthy(cluster))
                throw WrapperError("No cluster specified with --cluster");
            out.removed = {i};
            break;
        }
        const std::string a_end = perl_end(a);
        if (std::regex_search(a, host_long) || std::regex_search(a_end, host_short)) {
            version.reset();
            cluster.reset();
            explicit_host = true;
            w.set_env("PGCLUSTER", std::nullopt);
        }
        Opt captured; // perl's $1 of whichever port pattern matched
        bool port = false;
        if (std::regex_search(a, m, port_long)) {
            port = true;
            if (m[1].matched)
                captured = m[1].str();
        } else if (std::regex_search(a_end, m, port_short)) {
            port = true;
            if (m[1].matched)
                captured = m[1].str();
        }
        if (port) {
            if (captured)
                explicit_port = captured;
            else if (i + 1 < argv.size())
                explicit_port = argv[i + 1];
        }
        if (std::regex_search(a, service))
            explicit_service = true;
    }
    if (truthy(explicit_port) && !truthy(version) && !truthy(cluster) && !explicit_host &&
        !explicit_service) {
        std::vector<std::string> vs = w.versions("postgres");
        for (auto v = vs.rbegin(); v != vs.rend() && !truthy(version); ++v)
            for (const std::string& c : w.clusters(*v))
                if (w.cluster_port(*v, c) == *explicit_port) {
                    version = *v;
                    w.set_env("PGCLUSTER", *v + "/" + c);
                    break;
                }
    }
    Opt db;
    if (!truthy(cluster) && !explicit_host && !truthy(explicit_port)) {
        Wrapper::Mapped mapped = w.user_cluster_map();
        version = mapped.version;
        cluster = mapped.cluster;
        db = mapped.db;
    }
    Opt host, port;
    if (truthy(cluster)) {
        static const std::regex remote("^(\\S+):(\\d*)$");
        const std::string spelled = perl_end(*cluster);
        if (std::regex_match(spelled, m, remote)) {
            host = m[1].str();
            port = m[2].length() > 0 ? m[2].str() : "5432";
        } else if (!w.cluster_exists(version.value_or(""), *cluster)) {
            throw WrapperError("Cluster " + version.value_or("") + " " + *cluster +
                               " does not exist");
        } else {
            host = w.socketdir(*version, *cluster);
            port = w.cluster_port(*version, *cluster);
        }
        w.set_env("PGCLUSTER", version.value_or("") + "/" + *cluster);
    }
    if (!w.env("PGSYSCONFDIR"))
        w.set_env("PGSYSCONFDIR", std::string("/etc/postgresql-common"));
    if (truthy(host))
        w.set_env("PGHOST", host);
    if (truthy(port) && !truthy(w.env("PGPORT")))
        w.set_env("PGPORT", port);
    if (truthy(db) && !truthy(w.env("PGDATABASE")))
        w.set_env("PGDATABASE", db);
    if (!truthy(version) && !explicit_host && !truthy(explicit_port) && !explicit_service)
        w.warnings().push_back("Warning: No existing cluster is suitable as a default target. "
                               "Please see man pg_wrapper(1) how to specify one.");
    if (!truthy(version))
        version = w.newest_version("pg_dump");
    if (!truthy(version))
        throw WrapperError("You must install at least one postgresql-client-<version> package");
    if (!is_dir(w.binroot() + *version))
        throw WrapperError("PostgreSQL version " + *version + " is not installed");
    if (w.program_path("pg_dump", *version).empty())
        throw WrapperError("pg_wrapper: pg_dump was not found in " + w.binroot() + *version +
                           "/bin");
    out.version = *version;
    out.bindir = w.binroot() + *version + "/bin";
}

} // namespace

bool is_pg_wrapper(const std::string& path) {
    boost::system::error_code ec;
    const fs::path real = fs::canonical(path, ec);
    if (!ec && real.filename() == "pg_wrapper")
        return true;
    posix::OpenRules follow;
    follow.follow_link = true;
    const std::string head = posix::read_head_or_empty(path, 4096, follow);
    return head.compare(0, 2, "#!") == 0 && head.find("\nuse PgCommon;") != std::string::npos;
}

WrapperChoice resolve_pg_wrapper(const std::vector<std::string>& args, const WrapperRoots& roots) {
    WrapperChoice out;
    Wrapper w(roots);
    try {
        decide(w, args, out);
    } catch (const WrapperError& e) {
        out = WrapperChoice{};
        out.error = e.what();
    }
    out.warnings = w.warnings();
    for (const auto& [name, value] : w.env_changes()) {
        if (value)
            out.env.push_back(name + "=" + *value);
        else
            out.unset_env.push_back(name);
    }
    return out;
}

} // namespace pds::exec
