#include "audit/verify_files.hpp"

#include "audit/render.hpp"
#include "audit/text.hpp"
#include "posix/open.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::audit {
namespace {

struct FileVerdict {
    std::string path;
    verify::Verdict v;
};

// Problems the verifier must not be asked about: a missing path, a FIFO (reading it would
// block), a directory that is not a directory dump, a file we may not open.
std::string precheck(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return "cannot stat '" + path + "': " + std::strerror(errno);
    std::string file = path;
    if (S_ISDIR(st.st_mode)) {
        file = path + "/toc.dat";
        if (::stat(file.c_str(), &st) != 0)
            return "directory without toc.dat, not a directory dump: " +
                   std::string(std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    if (!posix::try_open(file, O_RDONLY | O_NONBLOCK))
        return "cannot open '" + file + "': " + std::strerror(errno);
    return "";
}

std::string or_dash(const std::string& s) {
    return s.empty() ? "-" : visible(s);
}

std::string text_block(const FileVerdict& f, verify::Level level) {
    const auto& i = f.v.info;
    std::string out = visible(f.path) + "\n";
    auto line = [&](const char* key, const std::string& value) {
        std::string k = key;
        k.resize(18, ' ');
        out += "  " + k + value + "\n";
    };
    std::string format = verify::archive_format_name(i.format);
    if (!i.archive_version.empty())
        format += " (archive " + i.archive_version +
                  (i.compression.empty() ? "" : ", compression " + i.compression) + ")";
    line("format", format);
    line("pg_dump version",
         or_dash(i.pg_dump_version) +
             (i.server_version.empty() ? "" : " (server " + visible(i.server_version) + ")"));
    line("database", or_dash(i.database));
    line("created", or_dash(i.created));
    line("entries",
         std::to_string(i.entries) + " (" + std::to_string(i.data_entries) + " with data)");
    line("data bytes", i.data_bytes_known
                           ? std::to_string(i.data_bytes) + " (" + human_size(i.data_bytes) + ")"
                           : std::string("- (not measured)"));
    line("file bytes", std::to_string(i.file_bytes));
    line("verdict", f.v.ok ? std::string("ok (") + verify::level_name(level) + ")"
                           : "FAILED (" + std::string(verify::level_name(level)) +
                                 "): " + visible(f.v.problem));
    return out;
}

} // namespace

int verify_files(const Options& o, std::string& report) {
    const verify::Level level = o.level.value_or(verify::Level::Structure);
    std::vector<FileVerdict> results;
    bool failed = false;
    for (const auto& path : o.operands) {
        FileVerdict f{path, {}};
        if (std::string p = precheck(path); !p.empty()) {
            f.v.ok = false;
            f.v.problem = p;
        } else {
            f.v = verify::verify_path(path, level);
            if (!f.v.ok && f.v.problem.empty())
                f.v.problem = "verification failed";
        }
        failed = failed || !f.v.ok;
        results.push_back(std::move(f));
    }

    if (o.format == OutputFormat::Json) {
        JsonOut j;
        j.begin_object().field("tool", "pg_dump-safe-audit").field("schema", 1);
        j.field("verify_level", verify::level_name(level)).field("ok", !failed);
        j.begin_array("files");
        for (const FileVerdict& f : results) {
            const auto& i = f.v.info;
            j.begin_object()
                .field("path", f.path)
                .field("ok", f.v.ok)
                .field("problem", f.v.problem);
            j.field("format", verify::archive_format_name(i.format));
            j.field("archive_version", i.archive_version)
                .field("pg_dump_version", i.pg_dump_version);
            j.field("server_version", i.server_version).field("database", i.database);
            j.field("created", i.created).field("compression", i.compression);
            j.field("entries", i.entries).field("data_entries", i.data_entries);
            if (i.data_bytes_known) // same meaning as in render_json.cpp
                j.field("data_bytes", i.data_bytes);
            else
                j.null("data_bytes");
            j.field("file_bytes", i.file_bytes);
            j.end_object();
        }
        j.end_array().end_object();
        report = j.str();
    } else {
        for (std::size_t k = 0; k < results.size(); ++k)
            report += (k ? "\n" : "") + text_block(results[k], level);
    }
    return failed ? 2 : 0;
}

} // namespace pds::audit
