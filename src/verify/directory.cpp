// Directory format (pg_backup_directory.c): toc.dat (header with the tar format code, and the
// TOC, whose extra field names each entry's data file), one NNNN.dat per entry with data,
// blobs.toc (blobs_NNNN.toc since pg_dump 17) listing blob_OID.dat files. Data files carry
// the suffix of their compression: .gz (gzip), .lz4 (LZ4 frame), .zst (zstd); pg_restore
// looks for the plain name first, then each suffix, and so do we.
//
// Cuts this must catch at `structure` (the default level): an uncompressed file by its COPY
// terminator; an LZ4 or zstd file by walking its frames to the end mark; a gzip file only by
// decompressing it (deflate has no framing to walk, and the trailer's CRC-32 and ISIZE can
// only be compared with the decompressed data), so gzip files are decompressed at
// `structure` too. A large-object list cut at a line boundary is caught by listing the
// directory: every blob_OID.dat file pg_dump wrote has its line (pg_dump writes the line
// after closing the file), so a blob file no list names means a list was cut short.
#include "verify/blobs_toc.hpp"
#include "verify/decompress.hpp"
#include "verify/formats.hpp"
#include "verify/frame_walk.hpp"
#include "verify/line_count.hpp"
#include "verify/ordered_tasks.hpp"

#include <boost/filesystem/operations.hpp>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace fs = boost::filesystem;

namespace pds::verify::detail {
namespace {

struct Found {
    fs::path path;
    Codec codec = Codec::None;
};

bool is_file(const fs::path& p) {
    boost::system::error_code ec;
    return fs::is_regular_file(p, ec);
}

bool find_file(const fs::path& dir, const std::string& name, Found& out) {
    static const std::pair<const char*, Codec> variants[] = {
        {"", Codec::None}, {".gz", Codec::Gzip}, {".lz4", Codec::Lz4}, {".zst", Codec::Zstd}};
    for (const auto& v : variants) {
        const fs::path p = dir / (name + v.first);
        if (is_file(p)) {
            out = Found{p, v.second};
            return true;
        }
    }
    return false;
}

// What one thread needs to check data files: its decompressors and byte counts. The
// large-object lists are decompressed by the submitting thread while the blob files they
// name are checked, so lists have decompressors of their own.
// Data files go through the fast decompressor (decompress.hpp, check_exact); the lists,
// whose output feeds a parser, through zlib only.
struct Slot {
    std::map<Codec, std::unique_ptr<Decompressor>> decs, list_decs, references;
    std::uint64_t file_bytes = 0, data_bytes = 0;

    Decompressor& decompressor(Codec c, bool for_list) {
        auto& slot = (for_list ? list_decs : decs)[c];
        if (!slot)
            slot = for_list ? Decompressor::create(c) : Decompressor::create_fast(c);
        return *slot;
    }
};

class DirectoryVerifier {
public:
    // tasks: when given, every data file is checked by a worker (see ordered_tasks.hpp);
    // otherwise here, in TOC order.
    // rows: counts the lines of COPY data and the large objects (full, count_rows).
    DirectoryVerifier(const fs::path& dir, Level level, ArchiveInfo& info, OrderedTasks* tasks,
                      RowCounter* rows)
        : dir_(dir), level_(level), info_(info), tasks_(tasks), rows_(rows) {
        for (unsigned i = 0; tasks && i < tasks->slots(); ++i)
            workers_.emplace_back(new Slot);
    }

    // Checks a data file now (serial) or submits it to a worker.
    void data_file(const DataEntry& e, const std::string& name, const std::string& what,
                   bool copy) {
        LineCount* count = rows_ && copy ? rows_->slot(e) : nullptr;
        if (!tasks_) {
            check_file(main_, e, name, what, copy, nullptr, count);
            return;
        }
        tasks_->submit([this, &e, name, what, copy, count](unsigned w) {
            check_file(*workers_[w], e, name, what, copy, nullptr, count);
        });
    }

    // The sum of every thread's byte counts, once the tasks are finished.
    void add_counts() const {
        info_.file_bytes += main_.file_bytes;
        info_.data_bytes += main_.data_bytes;
        for (const auto& w : workers_) {
            info_.file_bytes += w->file_bytes;
            info_.data_bytes += w->data_bytes;
        }
    }

    void check_file(Slot& slot, const DataEntry& e, const std::string& name,
                    const std::string& what, bool copy, OutputSink* sink,
                    LineCount* count = nullptr) const {
        if (!is_plain_file_name(name))
            throw_problem(what + ": data file name \"" + printable(name) +
                          "\" is not a plain file name");
        Found found;
        if (!find_file(dir_, name, found))
            throw_problem(what + ": data file " + (dir_ / name).string() +
                          " is missing (also looked for .gz, .lz4 and .zst)");
        File f(found.path);
        slot.file_bytes += f.size();
        if (!sink)
            slot.data_bytes += f.size();
        const std::string where = what + ": " + found.path.filename().string();
        Reader r(f, 0, f.size());
        if (found.codec == Codec::None) {
            if (copy && count) {
                LineCounter counter(count);
                with_context(where, [&] {
                    r.stream(f.size(),
                             [&](const std::uint8_t* p, std::size_t n) { counter.write(p, n); });
                });
                counter.finish();
                check_copy_terminator(e, counter.tail());
            } else if (sink)
                with_context(where, [&] {
                    r.stream(f.size(),
                             [&](const std::uint8_t* p, std::size_t n) { sink->write(p, n); });
                });
            else if (copy) {
                const std::uint64_t keep = f.size() < 8 ? f.size() : 8;
                r.seek(f.size() - keep);
                std::string tail(keep, '\0');
                r.read(&tail[0], keep);
                check_copy_terminator(e, tail);
            }
            return;
        }
        // pg_dump always ends COPY data with its terminator, so an empty compressed file of
        // a COPY entry is a cut one (some other empty streams are written as empty files).
        if (copy && f.size() == 0)
            throw_problem(where +
                          ": the file is empty, but COPY data ends with the terminator \"\\.\" "
                          "that pg_dump always writes: the data is cut short");
        // The large-object TOC is needed whole at every level; gzip files are decompressed
        // at every level but `toc` (nothing cheaper proves a gzip stream whole); LZ4 and
        // zstd files are decompressed only at `full`, and walked to their end marks below.
        if (level_ != Level::Full && !sink && found.codec != Codec::Gzip) {
            with_context(where, [&] { walk_frames(found.codec, r); });
            return;
        }
        const auto check = [&](Decompressor* dec) {
            LineCounter counter(sink ? nullptr : count);
            dec->reset();
            {
                const ScopedSink scoped(dec, sink ? sink : count ? &counter : nullptr);
                with_context(where, [&] {
                    r.stream(f.size(),
                             [&](const std::uint8_t* p, std::size_t n) { dec->feed(p, n); });
                    dec->finish();
                });
            }
            counter.finish();
            if (copy)
                check_copy_terminator(e, dec->tail());
        };
        Decompressor& dec = slot.decompressor(found.codec, sink != nullptr);
        if (sink) {
            check(&dec);
            return;
        }
        check_exact(found.codec, &dec, slot.references[found.codec], check, [&] { r.seek(0); });
    }

    void blobs(const DataEntry& e) {
        BlobTocParser parser([&](std::uint32_t oid, const std::string& file) {
            listed_blobs_.insert(file);
            if (rows_)
                rows_->add_oid(oid);
            try {
                data_file(e, file, e.label() + ": large object " + std::to_string(oid), false);
            } catch (const Corrupt& problem) {
                throw Located(problem.what());
            }
        });
        check_file(main_, e, e.filename, e.label() + ": large-object list", false, &parser);
        with_context(e.label() + ": " + e.filename, [&] { parser.finish(); });
    }

    // Every blob_OID.dat file in the directory (with any compression suffix) must be named
    // by a large-object list.
    void check_unlisted_blobs() const {
        boost::system::error_code ec;
        fs::directory_iterator it(dir_, ec), end;
        if (ec)
            throw_problem("cannot list directory " + dir_.string() + ": " + ec.message());
        for (; it != end; it.increment(ec)) {
            if (ec)
                throw_problem("cannot list directory " + dir_.string() + ": " + ec.message());
            const std::string name = it->path().filename().string();
            const std::string base = blob_file_base(name);
            if (base.empty())
                continue;
            if (!listed_blobs_.count(base))
                throw_problem("large-object file " + (dir_ / name).string() +
                              " is named by no large-object list (blobs.toc, blobs_<dumpId>.toc): "
                              "a list is cut short, and pg_restore would restore that large object "
                              "empty or not at all");
        }
    }

private:
    fs::path dir_;
    Level level_;
    ArchiveInfo& info_;
    OrderedTasks* tasks_;
    RowCounter* rows_;
    Slot main_;                                  // the serial checks and the lists
    std::vector<std::unique_ptr<Slot>> workers_; // one per worker thread
    std::set<std::string> listed_blobs_;
};

} // namespace

void verify_directory(const fs::path& dir, Level level, ArchiveInfo& info, unsigned jobs,
                      bool count_rows) {
    info.format = ArchiveFormat::Directory;
    const fs::path toc_path = dir / "toc.dat";
    if (!is_file(toc_path)) {
        Found other;
        if (find_file(dir, "toc.dat", other))
            throw_problem("compressed " + other.path.string() +
                          " is not supported (pg_dump writes toc.dat "
                          "uncompressed)");
        throw_problem("directory " + dir.string() +
                      " has no toc.dat: pg_dump writes it last, so the dump did not finish");
    }
    File f(toc_path);
    info.file_bytes = f.size();
    Reader r(f, 0, f.size());
    const Header h = with_context("toc.dat", [&] { return read_header(r, kFormatTar); });
    fill_info(info, h, nullptr);
    const Toc toc = with_context("toc.dat", [&] { return read_toc(r, h, TocExtra::FileName); });
    fill_info(info, h, &toc);
    if (level == Level::Toc)
        return;
    const auto check = [&](DirectoryVerifier& v) {
        for (const DataEntry& e : toc.data) {
            if (e.is_blobs())
                v.blobs(e);
            else
                v.data_file(e, e.filename, e.label(), e.copy);
        }
    };
    std::unique_ptr<RowCounter> rows;
    if (level == Level::Full && count_rows)
        rows.reset(new RowCounter(toc));
    if (jobs <= 1) {
        DirectoryVerifier v(dir, level, info, nullptr, rows.get());
        check(v);
        v.check_unlisted_blobs();
        v.add_counts();
        if (rows)
            info.counts = rows->result();
        return;
    }
    // Every data file is an independent stream: workers check them while this thread lists
    // them (and decompresses the large-object lists). The first problem in TOC order wins,
    // as in the serial walk above.
    OrderedTasks tasks(jobs);
    DirectoryVerifier v(dir, level, info, &tasks, rows.get());
    try {
        check(v);
        tasks.finish();
        v.check_unlisted_blobs();
    } catch (...) {
        tasks.finish(); // a file before this thread's problem failed: serial reports that
        throw;
    }
    v.add_counts();
    if (rows)
        info.counts = rows->result();
}

} // namespace pds::verify::detail
