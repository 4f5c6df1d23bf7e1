// Plain format: SQL text, possibly compressed as a whole (gzip for -Z N; lz4 or zstd with
// pg_dump 16+). pg_dump ends every plain dump with
//     --\n-- PostgreSQL database dump complete\n--\n\n
// and, since 17.6/16.10/15.14/14.19/13.22 (CVE-2025-8714), opens it with "\restrict KEY"
// and ends it with "\unrestrict KEY\n\n" after that trailer. A dump without the trailer was
// cut short; a dump that opens with \restrict must close with the same key.
#include "verify/decompress.hpp"
#include "verify/formats.hpp"

#include <cctype>

namespace pds::verify::detail {
namespace {

constexpr std::size_t kKeep = 64 * 1024; // head and tail kept for the checks
const std::string kTrailer = "--\n-- PostgreSQL database dump complete\n--\n\n";

// Keeps the first and the last kKeep bytes of a stream.
class HeadTail final : public OutputSink {
public:
    void write(const std::uint8_t* data, std::size_t n) override {
        const char* p = reinterpret_cast<const char*>(data);
        if (head.size() < kKeep) {
            const std::size_t take = n < kKeep - head.size() ? n : kKeep - head.size();
            head.append(p, take);
        }
        if (n >= kKeep) {
            tail.assign(p + n - kKeep, kKeep);
        } else {
            tail.append(p, n);
            if (tail.size() > 2 * kKeep) // trim rarely, not on every write
                tail.erase(0, tail.size() - kKeep);
        }
    }
    std::string head, tail;
};

std::string line_value(const std::string& head, const std::string& prefix) {
    const std::size_t at =
        head.compare(0, prefix.size(), prefix) == 0 ? 0 : head.find("\n" + prefix);
    if (at == std::string::npos)
        return {};
    const std::size_t start = at + (at == 0 ? 0 : 1) + prefix.size();
    const std::size_t end = head.find('\n', start);
    return end == std::string::npos ? std::string() : head.substr(start, end - start);
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string last_bytes(const std::string& s) {
    return "\"" + printable(s.size() > 60 ? s.substr(s.size() - 60) : s, 80) + "\"";
}

// pg_dumpall (a cluster or -g/--globals-only) opens and closes with its own lines; the
// \unrestrict of its own \restrict comes before the closing trailer.
bool cluster_dump_complete(const std::string& head, const std::string& tail) {
    static const std::string open = "--\n-- PostgreSQL database cluster dump\n--\n";
    static const std::string close = "--\n-- PostgreSQL database cluster dump complete\n--\n\n";
    return head.compare(0, open.size(), open) == 0 && ends_with(tail, close);
}

void check_trailer(const std::string& head, const std::string& tail) {
    if (cluster_dump_complete(head, tail))
        return;
    const std::string key = line_value(head, "\\restrict ");
    if (!key.empty()) {
        if (ends_with(tail, kTrailer + "\\unrestrict " + key + "\n\n"))
            return;
        if (ends_with(tail, kTrailer))
            throw_problem("plain dump opens with \\restrict " + printable(key, 80) +
                          " but ends without the matching \\unrestrict line");
        throw_problem("plain dump does not end with pg_dump's completion trailer (\"-- PostgreSQL "
                      "database dump complete\" and \\unrestrict " +
                      printable(key, 80) + "): it ends with " + last_bytes(tail));
    }
    if (ends_with(tail, kTrailer))
        return;
    // \unrestrict without \restrict in the head: accept any well-formed key.
    const std::size_t at = tail.rfind(kTrailer + "\\unrestrict ");
    if (at != std::string::npos && ends_with(tail, "\n\n")) {
        const std::size_t from = at + kTrailer.size() + 12;
        bool ok = tail.size() - 2 > from;
        for (std::size_t i = from; ok && i < tail.size() - 2; ++i)
            ok = std::isalnum(static_cast<unsigned char>(tail[i]));
        if (ok)
            return;
    }
    throw_problem(
        "plain dump does not end with pg_dump's completion trailer (\"-- PostgreSQL database "
        "dump complete\"): it ends with " +
        last_bytes(tail));
}

void fill_versions(ArchiveInfo& info, const std::string& head) {
    auto first_word = [](const std::string& s) { return printable(s.substr(0, s.find(' ')), 40); };
    const std::string server = line_value(head, "-- Dumped from database version ");
    const std::string dump = line_value(head, "-- Dumped by pg_dump version ");
    if (!server.empty())
        info.server_version = first_word(server);
    if (!dump.empty())
        info.pg_dump_version = first_word(dump);
}

} // namespace

void verify_plain(const boost::filesystem::path& path, Level, ArchiveInfo& info) {
    info.format = ArchiveFormat::Plain;
    File f(path);
    info.file_bytes = f.size();
    if (f.size() == 0)
        throw_problem("file is empty");
    Reader r(f, 0, f.size());
    std::uint8_t magic[4] = {};
    const std::size_t n = f.size() < 4 ? static_cast<std::size_t>(f.size()) : 4;
    r.read(magic, n);
    r.seek(0);
    const Codec codec = sniff_codec(magic, n);
    info.compression = codec_name(codec);
    HeadTail text;
    if (codec == Codec::None) {
        const std::uint64_t keep = f.size() < kKeep ? f.size() : kKeep;
        text.head.resize(keep);
        r.read(&text.head[0], keep);
        r.seek(f.size() - keep);
        text.tail.resize(keep);
        r.read(&text.tail[0], keep);
    } else {
        // The trailer is at the end of the decompressed text: every level decompresses.
        auto dec = Decompressor::create(codec);
        dec->set_sink(&text);
        with_context(std::string("compressed plain dump (") + codec_name(codec) + ")", [&] {
            r.stream(f.size(), [&](const std::uint8_t* p, std::size_t len) { dec->feed(p, len); });
            dec->finish();
        });
    }
    fill_versions(info, text.head);
    check_trailer(text.head, text.tail);
}

} // namespace pds::verify::detail
