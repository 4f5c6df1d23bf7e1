#include "manifest/step.hpp"

#include "exec/child.hpp"
#include "restore/content.hpp"
#include "restore/record.hpp"

#include <cerrno>
#include <chrono>
#include <ctime>
#include <iostream>
#include <unistd.h>

namespace pds::manifest {
namespace {

double since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace

std::string StepResult::journal_json() const {
    return manifest ? manifest::journal_json(*manifest, findings, seconds, previous) : "";
}

std::vector<std::string> StepResult::warning_checks() const {
    std::vector<std::string> out;
    for (const Finding& f : findings)
        out.push_back(check_name(f.check));
    return out;
}

report::Fields StepResult::hook_env() const {
    std::string checks, details;
    for (const Finding& f : findings) {
        checks += (checks.empty() ? "" : ",") + std::string(check_name(f.check));
        details += (details.empty() ? "" : "; ") + f.detail;
    }
    return {{"PG_DUMP_SAFE_CONTENT_WARNINGS", checks},
            {"PG_DUMP_SAFE_CONTENT_DETAIL", details},
            {"PG_DUMP_SAFE_PREVIOUS", compared ? previous : ""}};
}

std::string read_from_start(int fd) {
    std::string out;
    char buf[65536];
    for (off_t at = 0;;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? std::string() : out;
        out.append(buf, static_cast<std::size_t>(n));
        at += n;
    }
}

StepResult check_content(const StepInput& in) {
    StepResult r;
    const auto begin = std::chrono::steady_clock::now();
    if (in.enabled) {
        try {
            restore::ContentRequest req;
            req.dump = in.partial;
            req.info = in.info;
            req.count_rows = in.count_rows;
            req.pg_restore = in.pg_restore;
            req.toc_listing = in.toc_listing;
            Manifest m = restore::measure_content(req);
            m.verify = in.level_name;
            r.manifest = std::move(m);
        } catch (const std::exception& e) {
            // Fail closed: the verified partial cannot be read the way a restore reads it.
            r.interrupted = exec::interrupted_by() != 0;
            r.failure = std::string("content check: ") + e.what();
            r.seconds = since(begin);
            return r;
        }
        if (!in.final_path.empty()) {
            if (std::optional<Previous> p =
                    find_previous(in.final_path, in.series_glob, in.info.database)) {
                r.previous = p->dump;
                r.compared = true;
                r.findings = compare(p->content, *r.manifest, in.max_shrink_percent);
            }
        }
        r.seconds = since(begin);
        for (const Finding& f : r.findings)
            std::cerr << report::format_line("WARNING", {{"target", in.target_name},
                                                         {"check", check_name(f.check)},
                                                         {"previous", r.previous},
                                                         {"detail", f.detail}})
                      << std::endl;
        if (!r.findings.empty() && in.shrink_fail) {
            std::string details;
            for (const Finding& f : r.findings)
                details += (details.empty() ? "" : "; ") + std::string(check_name(f.check)) + ": " +
                           f.detail;
            r.failure = "content check against " + r.previous + " (--safe-shrink=fail): " + details;
            return r;
        }
    }
    if (in.verify_restore) {
        const auto drill_begin = std::chrono::steady_clock::now();
        const std::string problem = restore::drill_partial(in.partial);
        r.drill_seconds = since(drill_begin);
        if (!problem.empty()) {
            r.interrupted = exec::interrupted_by() != 0;
            r.failure = problem;
        }
    }
    return r;
}

std::string publish_manifest(const std::optional<Manifest>& m, const std::string& final_path,
                             bool sync) {
    try {
        if (!m) {
            remove_manifest(final_path);
            return "";
        }
        Manifest out = *m;
        std::string name = final_path;
        while (name.size() > 1 && name.back() == '/')
            name.pop_back();
        out.dump = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
        out.dump_bytes = dump_size(final_path).value_or(0);
        out.published = std::time(nullptr);
        write_manifest(final_path, out, restore::record_mode(final_path), sync);
        return "";
    } catch (const std::exception& e) {
        std::string why = e.what();
        // Never leave the previous dump's manifest beside the new dump.
        try {
            remove_manifest(final_path);
        } catch (const std::exception& e2) {
            why += std::string("; the old manifest stays: ") + e2.what();
        }
        return why;
    }
}

} // namespace pds::manifest
