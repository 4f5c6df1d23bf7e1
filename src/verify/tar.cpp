// Tar format (pg_backup_tar.c): ustar members toc.dat (header and TOC), one NNNN.dat per
// entry with data, blob_OID.dat and blobs.toc (blobs_NNNN.toc since pg_dump 17) for large
// objects, restore.sql, then two 512-byte zero blocks. pg_dump never compresses tar members.
#include "verify/blobs_toc.hpp"
#include "verify/formats.hpp"
#include "verify/line_count.hpp"
#include "verify/tar_header.hpp"

#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace pds::verify::detail {
namespace {

struct Member {
    std::uint64_t data_at = 0, size = 0;
};

std::uint64_t padded(std::uint64_t n) {
    return (n + 511) / 512 * 512;
}

// Reads the member header at r.pos(); returns false at an end-of-archive zero block.
bool next_member(Reader& r, TarHeader& th) {
    const std::uint64_t at = r.pos();
    if (r.remaining() < 512) {
        if (r.at_end())
            throw_problem("tar: archive ends at byte " + std::to_string(at) +
                          " without the two zero blocks that close a tar archive");
        throw_problem("tar: header at byte " + std::to_string(at) +
                      " is cut off by the end of the file at byte " + std::to_string(r.end()));
    }
    std::uint8_t block[512];
    r.read(block, sizeof block);
    if (is_zero_block(block))
        return false;
    th = parse_tar_header(block, at);
    if (padded(th.size) > r.remaining())
        throw_problem("tar member \"" + printable(th.name) + "\" at byte " + std::to_string(at) +
                      " declares " + plural(th.size, "byte") +
                      " of data, but the file ends at byte " + std::to_string(r.end()));
    return true;
}

void check_end_blocks(Reader& r) {
    const std::uint64_t first = r.pos() - 512;
    if (r.remaining() < 512)
        throw_problem(
            "tar: only one of the two zero blocks that close a tar archive is present (zero "
            "block at byte " +
            std::to_string(first) + ", file ends at byte " + std::to_string(r.end()) + ")");
    std::uint64_t at = r.pos();
    r.stream(r.remaining(), [&](const std::uint8_t* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            if (p[i] != 0)
                throw_problem("tar: non-zero byte at byte " + std::to_string(at + i) +
                              " after the end-of-archive zero block at byte " +
                              std::to_string(first));
        at += n;
    });
}

std::string tail_of(const File& f, const Member& m) {
    const std::uint64_t keep = m.size < 8 ? m.size : 8;
    Reader r(f, m.data_at + m.size - keep, m.data_at + m.size, 16);
    std::string s(keep, '\0');
    r.read(&s[0], keep);
    return s;
}

} // namespace

void check_tar_end(const File& f) {
    if (f.size() % 512 != 0)
        throw_problem("tar: file size " + std::to_string(f.size()) +
                      " is not a multiple of 512 bytes: the archive is cut short");
    if (f.size() < 1536)
        throw_problem("tar: file of " + plural(f.size(), "byte") +
                      " is too short for a pg_dump archive");
    Reader r(f, f.size() - 1024, f.size(), 1024);
    std::uint8_t end[1024];
    r.read(end, sizeof end);
    if (!is_zero_block(end) || !is_zero_block(end + 512))
        throw_problem(
            "tar: the file does not end with the two zero blocks that close a tar archive: it "
            "is cut short");
}

void verify_tar(const boost::filesystem::path& path, Level level, ArchiveInfo& info,
                bool count_rows) {
    info.format = ArchiveFormat::Tar;
    File f(path);
    info.file_bytes = f.size();
    Reader r(f, 0, f.size());
    TarHeader first;
    if (!next_member(r, first))
        throw_problem("tar: the archive starts with a zero block, not with toc.dat");
    if (first.name != "toc.dat")
        throw_problem("tar: first member is \"" + printable(first.name) + "\", expected toc.dat");
    const Member toc_member{r.pos(), first.size};
    Reader tr(f, toc_member.data_at, toc_member.data_at + toc_member.size);
    const Header h = with_context("toc.dat", [&] { return read_header(tr, kFormatTar); });
    fill_info(info, h, nullptr);
    const Toc toc = with_context("toc.dat", [&] { return read_toc(tr, h, TocExtra::FileName); });
    fill_info(info, h, &toc);
    if (level == Level::Toc) {
        check_tar_end(f);
        return;
    }

    // At full with count_rows, the members of COPY entries are read whole to count their rows.
    std::unique_ptr<RowCounter> rows;
    if (level == Level::Full && count_rows)
        rows.reset(new RowCounter(toc));
    std::unordered_map<std::string, const DataEntry*> by_file;
    for (const DataEntry& e : toc.data)
        if (!e.is_blobs())
            by_file.emplace(e.filename, &e);
    std::unordered_map<std::string, Member> members{{"toc.dat", toc_member}};
    std::vector<std::pair<std::string, std::string>> blob_refs; // (blobs toc member, blob file)
    r.seek(toc_member.data_at + padded(toc_member.size));
    TarHeader th;
    while (next_member(r, th)) {
        const Member m{r.pos(), th.size};
        if (!members.emplace(th.name, m).second)
            throw_problem("tar: member \"" + printable(th.name) +
                          "\" appears twice (again at byte " + std::to_string(m.data_at - 512) +
                          ")");
        const auto it = by_file.find(th.name);
        if (it != by_file.end()) {
            info.data_bytes += m.size;
            if (it->second->copy && rows) {
                LineCounter counter(rows->slot(*it->second));
                Reader mr(f, m.data_at, m.data_at + m.size);
                mr.stream(m.size,
                          [&](const std::uint8_t* p, std::size_t n) { counter.write(p, n); });
                counter.finish();
            }
            if (it->second->copy)
                check_copy_terminator(*it->second, tail_of(f, m));
        } else if (th.name.compare(0, 5, "blob_") == 0) {
            info.data_bytes += m.size;
        } else if (th.name.compare(0, 5, "blobs") == 0 && th.name.size() >= 9 &&
                   th.name.compare(th.name.size() - 4, 4, ".toc") == 0) {
            Reader br(f, m.data_at, m.data_at + m.size);
            BlobTocParser parser([&](std::uint32_t oid, const std::string& file) {
                blob_refs.emplace_back(th.name, file);
                if (rows)
                    rows->add_oid(oid);
            });
            with_context("tar member " + th.name, [&] {
                br.stream(m.size,
                          [&](const std::uint8_t* p, std::size_t n) { parser.write(p, n); });
                parser.finish();
            });
        }
        r.seek(m.data_at + padded(m.size));
    }
    check_end_blocks(r);

    for (const DataEntry& e : toc.data) {
        if (!e.is_blobs()) {
            if (!members.count(e.filename))
                throw_problem(e.label() + ": tar member \"" + printable(e.filename) +
                              "\" is missing");
            continue;
        }
        std::string blobs_toc = "blobs_" + std::to_string(e.dump_id) + ".toc";
        if (!members.count(blobs_toc))
            blobs_toc = "blobs.toc";
        if (!members.count(blobs_toc))
            throw_problem(e.label() + ": tar member blobs_" + std::to_string(e.dump_id) +
                          ".toc (blobs.toc before pg_dump 17) is missing");
        for (const auto& ref : blob_refs)
            if (ref.first == blobs_toc && !members.count(ref.second))
                throw_problem(e.label() + ": tar member \"" + printable(ref.second) +
                              "\" listed in " + blobs_toc + " is missing");
    }
    // pg_dump writes a large object's list line after its member, so a member no list names
    // means a list was cut short (pg_restore would restore that large object empty).
    std::unordered_set<std::string> listed;
    for (const auto& ref : blob_refs)
        listed.insert(blob_file_base(ref.second));
    for (const auto& m : members) {
        const std::string base = blob_file_base(m.first);
        if (!base.empty() && !listed.count(base))
            throw_problem(
                "tar member \"" + printable(m.first) +
                "\" is named by no large-object list (blobs.toc, blobs_<dumpId>.toc): a list is "
                "cut short, and pg_restore would restore that large object empty or not at all");
    }
    if (!members.count("restore.sql"))
        throw_problem("tar: no restore.sql member (pg_dump writes it after all data)");
    if (rows)
        info.counts = rows->result();
}

} // namespace pds::verify::detail
