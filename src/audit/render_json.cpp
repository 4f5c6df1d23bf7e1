#include "audit/render.hpp"
#include "audit/text.hpp"

#ifndef PDS_VERSION
#define PDS_VERSION "unknown"
#endif

namespace pds::audit {
namespace {

void time_fields(JsonOut& j, const char* key, std::time_t t) {
    j.field(key, iso_utc(t));
    j.field((std::string(key) + "_unix").c_str(), static_cast<std::int64_t>(t));
}

void archive_fields(JsonOut& j, const verify::ArchiveInfo& i) {
    j.field("format", verify::archive_format_name(i.format));
    j.field("archive_version", i.archive_version);
    j.field("pg_dump_version", i.pg_dump_version);
    j.field("server_version", i.server_version);
    j.field("database", i.database);
    j.field("created", i.created);
    j.field("compression", i.compression);
    j.field("entries", i.entries);
    j.field("data_entries", i.data_entries);
    // data_bytes: bytes of table data and large objects as stored in the dump (compressed
    // size when compressed), counted while the verifier walks every data block (custom),
    // data member (tar) or data file (directory). Per level of the verdict reported:
    //   toc        null: the toc level reads the header and TOC only, no data
    //   structure  a number: every data block/member/file walked to its end
    //   full       a number, the same as at structure (decompression does not change it)
    // It is also null for a failed verdict (the walk stopped at the problem) and for a plain
    // dump (SQL text has no separate table data). A verdict answered from the cache at a
    // higher level than asked for (a structure verdict for --verify=toc) carries its number.
    if (i.data_bytes_known)
        j.field("data_bytes", i.data_bytes);
    else
        j.null("data_bytes");
}

} // namespace

std::string render_json(const Report& r) {
    JsonOut j;
    j.begin_object();
    j.field("tool", "pg_dump-safe-audit").field("version", PDS_VERSION).field("schema", 1);
    time_fields(j, "time", r.now);
    j.field("status", severity_name(r.severity)).field("exit_status", r.exit_status());
    j.field("verify_level", r.level ? verify::level_name(*r.level) : "none");
    if (r.max_age >= 0)
        j.field("max_age_seconds", r.max_age);
    else
        j.null("max_age_seconds");
    j.field("verified", static_cast<std::uint64_t>(r.verified));
    j.field("from_cache", static_cast<std::uint64_t>(r.from_cache));

    j.begin_array("roots");
    for (const RootResult& root : r.roots) {
        j.begin_object().field("path", root.path);
        if (root.statvfs_ok)
            j.field("fs_size_bytes", root.fs_size)
                .field("free_bytes", root.free_bytes)
                .field("free_percent", root.free_percent);
        else
            j.null("fs_size_bytes").null("free_bytes").null("free_percent");
        j.field("need_bytes", root.need).field("required_free_bytes", root.required);
        j.field("low_headroom", root.low_headroom);
        j.field("finals", static_cast<std::uint64_t>(root.finals))
            .field("partials", static_cast<std::uint64_t>(root.partials))
            .field("stale_partials", static_cast<std::uint64_t>(root.stale_partials))
            .field("zero_byte_finals", static_cast<std::uint64_t>(root.zero_byte))
            .field("tiny_finals", static_cast<std::uint64_t>(root.tiny))
            .field("verify_failures", static_cast<std::uint64_t>(root.verify_failures))
            .field("unreadable", static_cast<std::uint64_t>(root.unreadable));
        j.end_object();
    }
    j.end_array();

    j.begin_array("series");
    for (const SeriesResult& s : r.series) {
        j.begin_object().field("root", s.root).field("dir", s.dir).field("series", s.name);
        j.field("finals", static_cast<std::uint64_t>(s.finals.size()));
        j.field("newest", r.finals[s.finals.front()].dump.path);
        if (s.newest_good) {
            const FinalResult& g = r.finals[*s.newest_good];
            j.field("newest_good", g.dump.path);
            time_fields(j, "newest_good_time", g.time);
            j.field("newest_good_age_seconds", s.newest_good_age);
        } else {
            j.null("newest_good").null("newest_good_time").null("newest_good_time_unix");
            j.null("newest_good_age_seconds");
        }
        j.field("newest_unrestorable", s.newest_unrestorable).field("too_old", s.too_old);
        j.field("status", severity_name(s.severity));
        j.end_object();
    }
    j.end_array();

    j.begin_array("finals");
    for (const FinalResult& f : r.finals) {
        j.begin_object().field("path", f.dump.path).field("root", f.dump.root);
        j.field("dir", f.dir).field("series", f.series);
        j.field("kind", f.dump.directory ? "directory" : "file");
        j.field("size_bytes", f.dump.id.size);
        time_fields(j, "mtime", f.dump.id.mtime());
        time_fields(j, "time", f.time);
        j.field("verdict", verdict_name(f.verdict)).field("problem", f.problem);
        j.field("cached", f.cached).field("zero_byte", f.zero_byte).field("tiny", f.tiny);
        archive_fields(j, f.info);
        j.end_object();
    }
    j.end_array();

    j.begin_array("partials");
    for (const PartialResult& p : r.partials) {
        j.begin_object().field("path", p.partial.path).field("root", p.partial.root);
        j.field("kind", p.partial.directory ? "directory" : "file");
        j.field("size_bytes", p.partial.id.size);
        time_fields(j, "mtime", p.partial.id.mtime());
        j.field("age_seconds", p.age).field("stale", p.stale);
        if (p.failure) {
            const FailureRecord& f = *p.failure;
            j.begin_object("failure").field("record", p.partial.record_path);
            j.field("reason", f.reason).field("exit", f.exit).field("bytes", f.bytes);
            j.field("format", f.format).field("detail", f.detail).field("time", f.time);
            j.field("target", f.target).field("error", f.error);
            j.end_object();
        } else {
            j.null("failure");
        }
        j.end_object();
    }
    j.end_array();

    j.begin_array("unreadable");
    for (const Unreadable& u : r.unreadable)
        j.begin_object().field("path", u.path).field("error", u.error).end_object();
    j.end_array();

    j.begin_array("findings");
    for (const Finding& f : r.findings)
        j.begin_object()
            .field("severity", severity_name(f.severity))
            .field("code", f.code)
            .field("path", f.path)
            .field("message", f.message)
            .end_object();
    j.end_array();
    j.end_object();
    return j.str();
}

} // namespace pds::audit
