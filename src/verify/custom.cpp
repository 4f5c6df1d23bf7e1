// Custom format (pg_backup_custom.c): header, TOC, then one data block per entry with data:
//   block  := type byte (BLK_DATA 1 | BLK_BLOBS 3), dumpId int, body
//   BLK_DATA body  := chunks
//   BLK_BLOBS body := { oid int (non-zero), chunks }* , int 0
//   chunks := { length int (> 0), length bytes }* , int 0
// The chunk payloads of one stream form one compressed stream (zlib, lz4 frame or zstd
// frame) or, uncompressed, the data itself. pg_dump writes the blocks right after the TOC
// and nothing after the last one, so the last block must end exactly at end of file.
#include "verify/decompress.hpp"
#include "verify/formats.hpp"
#include "verify/line_count.hpp"
#include "verify/ordered_tasks.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace pds::verify::detail {
namespace {

constexpr int kBlkData = 1;
constexpr int kBlkBlobs = 3;

// One stream of chunks up to its zero-length terminator, read from r; decompressed when
// dec is given. The serial walk and the workers of the parallel one both run this, so a
// stream's first problem reads the same either way. With `count`, the lines of the data are
// counted there (decompressed, or read whole when it is not compressed).
void check_stream(Reader& r, const Header& h, Codec codec, Decompressor* dec, const DataEntry& e,
                  const std::string& what, std::uint64_t& data_bytes, LineCount* count = nullptr) {
    const auto size_str = [&r] { return std::to_string(r.end()); };
    const bool copy = e.copy && !e.is_blobs();
    std::string tail; // last bytes of uncompressed data
    LineCounter counter(dec || codec == Codec::None ? count : nullptr);
    if (dec)
        dec->reset();
    const ScopedSink sink(dec, count ? &counter : nullptr);
    for (;;) {
        const std::uint64_t at = r.pos();
        if (r.remaining() < 1 + static_cast<std::uint64_t>(h.int_size))
            throw_problem(what + ": data block ends at byte " + size_str() + ", file size " +
                          size_str() + ", expected " +
                          (r.at_end() ? std::string("terminator")
                                      : "chunk length at byte " + std::to_string(at)));
        const std::int64_t len = read_archive_int(r, h);
        if (len == 0)
            break;
        if (len < 0)
            throw_problem(what + ": chunk at byte " + std::to_string(at) + " has negative length " +
                          std::to_string(len));
        if (static_cast<std::uint64_t>(len) > r.remaining())
            throw_problem(what + ": chunk at byte " + std::to_string(at) + " declares " +
                          plural(len, "byte") + ", but the file ends at byte " + size_str() + ", " +
                          plural(r.remaining(), "byte") + " later");
        data_bytes += static_cast<std::uint64_t>(len);
        if (dec) {
            with_context(what + ": chunk at byte " + std::to_string(at), [&] {
                r.stream(len, [&](const std::uint8_t* p, std::size_t n) { dec->feed(p, n); });
            });
        } else if (copy && codec == Codec::None && count) {
            r.stream(len, [&](const std::uint8_t* p, std::size_t n) { counter.write(p, n); });
            tail = counter.tail();
        } else if (copy && codec == Codec::None) {
            const std::uint64_t keep = len < 8 ? len : 8;
            r.skip(len - keep);
            std::string last(keep, '\0');
            r.read(&last[0], keep);
            tail += last;
            if (tail.size() > 8)
                tail.erase(0, tail.size() - 8);
        } else {
            r.skip(len);
        }
    }
    if (dec) {
        with_context(what, [&] { dec->finish(); });
        if (copy)
            check_copy_terminator(e, dec->tail());
    } else if (copy && codec == Codec::None) {
        check_copy_terminator(e, tail);
    }
    counter.finish();
}

// check_stream with the fast decompressor, and zlib's verdict whenever it finds a problem
// (decompress.hpp, check_exact).
void check_stream_exact(Reader& r, const Header& h, Codec codec, Decompressor* fast,
                        std::unique_ptr<Decompressor>& reference, const DataEntry& e,
                        const std::string& what, std::uint64_t& data_bytes,
                        LineCount* count = nullptr) {
    const std::uint64_t start = r.pos(), bytes = data_bytes;
    check_exact(
        codec, fast, reference,
        [&](Decompressor* dec) { check_stream(r, h, codec, dec, e, what, data_bytes, count); },
        [&] {
            r.seek(start);
            data_bytes = bytes;
        });
}

// A worker of the parallel full walk: its own reader over the archive (smaller buffer:
// memory grows by worker) and its own decompressor.
struct StreamWorker {
    StreamWorker(const File& f, Codec codec)
        : reader(f, 0, f.size(), kWorkerBuffer), dec(Decompressor::create_fast(codec)) {}
    static constexpr std::size_t kWorkerBuffer = 256 * 1024;
    Reader reader;
    std::unique_ptr<Decompressor> dec, reference; // reference: zlib, made on a problem
};

class BlockWalker {
public:
    // tasks: when given (and the level is full and the data compressed), each stream is
    // decompressed by a worker while this walk follows the framing alone.
    BlockWalker(Reader& r, const Header& h, const Toc& toc, Level level, ArchiveInfo& info,
                OrderedTasks* tasks, const CheckedStreams* checked, RowCounter* rows)
        : r_(r), h_(h), toc_(toc), info_(info), rows_(rows) {
        codec_ = h.compression == Codec::Gzip ? Codec::Zlib : h.compression;
        if (level == Level::Full && codec_ != Codec::None)
            checked_ = checked;
        if (level == Level::Full && codec_ != Codec::None && tasks) {
            tasks_ = tasks;
            for (unsigned i = 0; i < tasks->slots(); ++i)
                workers_.emplace_back(new StreamWorker(r.file(), codec_));
        } else if (level == Level::Full) {
            dec_ = Decompressor::create_fast(codec_);
        }
        for (std::size_t i = 0; i < toc.data.size(); ++i)
            if (!by_id_.emplace(toc.data[i].dump_id, i).second)
                throw_problem(toc.data[i].label() +
                              ": two TOC entries with data share this dumpId");
        seen_.assign(toc.data.size(), false);
    }

    void walk(std::uint64_t data_start) {
        r_.seek(data_start);
        while (!r_.at_end())
            block();
        for (std::size_t i = 0; i < toc_.data.size(); ++i) {
            if (seen_[i])
                continue;
            const DataEntry& e = toc_.data[i];
            if (e.offset_state == kOffsetPosSet)
                throw_problem(e.label() + ": no data block at byte " + std::to_string(e.offset) +
                              " where the TOC places it; the data blocks end at byte " +
                              size_str());
            throw_problem(e.label() + ": no data block in the archive, which ends at byte " +
                          size_str());
        }
    }

private:
    std::string size_str() const { return std::to_string(r_.end()); }

    void stream(const DataEntry& e, const std::string& what) {
        LineCount* count = rows_ && e.copy && !e.is_blobs() ? rows_->slot(e) : nullptr;
        if (checked_ && reuse_checked(e, what, count))
            return;
        if (tasks_) {
            const std::uint64_t start = r_.pos();
            tasks_->submit([this, start, &e, what, count](unsigned w) {
                StreamWorker& worker = *workers_[w];
                worker.reader.seek(start);
                std::uint64_t ignored = 0; // counted by the walk
                check_stream_exact(worker.reader, h_, codec_, worker.dec.get(), worker.reference, e,
                                   what, ignored, count);
            });
        }
        check_stream_exact(r_, h_, codec_, dec_.get(), reference_, e, what, info_.data_bytes,
                           tasks_ ? nullptr : count);
    }

    // A stream the follower of the growing file decompressed whole (checked_streams.hpp): its
    // framing is walked as at `structure`, and it is used only if that ends where the
    // follower's did and the bytes have its CRC-32; else the stream is decompressed as usual.
    bool reuse_checked(const DataEntry& e, const std::string& what, LineCount* count) {
        const std::uint64_t start = r_.pos();
        const CheckedStream* c = checked_->find(start, h_.int_size, codec_);
        if (!c)
            return false;
        std::uint64_t bytes = 0;
        bool same = false;
        try {
            check_stream(r_, h_, codec_, nullptr, e, what, bytes);
            same = r_.pos() == c->end && CheckedStreams::same_bytes(r_.file(), *c);
        } catch (const Corrupt&) {
        }
        if (!same) {
            r_.seek(start);
            return false;
        }
        checked_->note_reused();
        info_.data_bytes += bytes;
        if (e.copy && !e.is_blobs())
            check_copy_terminator(e, c->tail_string());
        if (count)
            *count = c->lines;
        return true;
    }

    void block() {
        const std::uint64_t start = r_.pos();
        if (r_.remaining() < 2 + static_cast<std::uint64_t>(h_.int_size))
            throw_problem("data block header at byte " + std::to_string(start) +
                          " is cut off by the end of the file at byte " + size_str());
        const int type = r_.byte();
        const std::int64_t id = read_archive_int(r_, h_);
        const auto it = by_id_.find(static_cast<std::int32_t>(id));
        if (id <= 0 || id > INT32_MAX || it == by_id_.end())
            throw_problem("data block at byte " + std::to_string(start) + " has dumpId " +
                          std::to_string(id) + ", which no TOC entry with data has");
        const DataEntry& e = toc_.data[it->second];
        if (seen_[it->second])
            throw_problem(e.label() + ": a second data block at byte " + std::to_string(start));
        seen_[it->second] = true;
        if (e.offset_state == kOffsetPosSet && e.offset != start)
            throw_problem(e.label() + ": data block found at byte " + std::to_string(start) +
                          ", but the TOC places it at byte " + std::to_string(e.offset));
        if (type == kBlkData && !e.is_blobs()) {
            stream(e, e.label());
        } else if (type == kBlkBlobs && e.is_blobs()) {
            for (;;) {
                const std::uint64_t at = r_.pos();
                const std::int64_t oid =
                    with_context(e.label() + ": large object OID at byte " + std::to_string(at),
                                 [&] { return read_archive_int(r_, h_); });
                if (oid == 0)
                    break;
                if (rows_)
                    rows_->add_oid(static_cast<std::uint32_t>(oid));
                stream(e, e.label() + ": large object " +
                              std::to_string(static_cast<std::uint32_t>(oid)));
            }
        } else {
            throw_problem(e.label() + ": data block at byte " + std::to_string(start) +
                          " has type " + std::to_string(type) + ", expected " +
                          std::to_string(e.is_blobs() ? kBlkBlobs : kBlkData));
        }
    }

    Reader& r_;
    const Header& h_;
    const Toc& toc_;
    ArchiveInfo& info_;
    Codec codec_ = Codec::None;
    std::unique_ptr<Decompressor> dec_, reference_; // serial full walk
    OrderedTasks* tasks_ = nullptr;                 // parallel full walk
    std::vector<std::unique_ptr<StreamWorker>> workers_;
    const CheckedStreams* checked_ = nullptr; // full, compressed: see reuse_checked
    RowCounter* rows_ = nullptr;              // full with count_rows
    std::unordered_map<std::int32_t, std::size_t> by_id_;
    std::vector<bool> seen_;
};

} // namespace

void verify_custom(const boost::filesystem::path& path, Level level, ArchiveInfo& info,
                   unsigned jobs, const CheckedStreams* checked, bool count_rows) {
    info.format = ArchiveFormat::Custom;
    File f(path);
    info.file_bytes = f.size();
    Reader r(f, 0, f.size());
    const Header h = read_header(r, kFormatCustom);
    fill_info(info, h, nullptr);
    const Toc toc = read_toc(r, h, TocExtra::DataOffset);
    fill_info(info, h, &toc);
    const std::uint64_t data_start = r.pos();
    if (level != Level::Toc) {
        // The walk reads the blocks in file order and reports the first one that fails: a
        // file cut inside a block names that block, not a later block whose TOC offset now
        // lies beyond the end of the file. It also catches every offset checked below.
        //
        // At `full` with jobs > 1, the walk hands each compressed stream to a worker, which
        // reads it again from its start (from the page cache) and decompresses it. The walk
        // finds every stream's start by following the chunk framing, which costs a small
        // part of the decompression, whether or not pg_dump could write the TOC offsets
        // (it cannot when writing to a pipe).
        std::unique_ptr<RowCounter> rows;
        if (level == Level::Full && count_rows)
            rows.reset(new RowCounter(toc));
        if (level != Level::Full || jobs <= 1 || h.compression == Codec::None) {
            BlockWalker(r, h, toc, level, info, nullptr, checked, rows.get()).walk(data_start);
        } else {
            OrderedTasks tasks(jobs);
            BlockWalker walker(r, h, toc, level, info, &tasks, checked, rows.get());
            try {
                walker.walk(data_start);
            } catch (...) {
                tasks.finish(); // a stream before the walk's problem failed: serial reports that
                throw;
            }
            tasks.finish();
        }
        if (rows)
            info.counts = rows->result();
        return;
    }
    // Cheap, for the toc level, which reads no data block: offsets that point outside the
    // file mean the file is shorter than when pg_dump wrote the TOC. The entry whose block
    // lies earliest in the file is reported first, as the walk would.
    std::vector<const DataEntry*> placed;
    for (const DataEntry& e : toc.data)
        if (e.offset_state == kOffsetPosSet)
            placed.push_back(&e);
    std::stable_sort(placed.begin(), placed.end(),
                     [](const DataEntry* a, const DataEntry* b) { return a->offset < b->offset; });
    for (const DataEntry* e : placed) {
        if (e->offset < data_start)
            throw_problem(
                e->label() + ": TOC places its data block at byte " + std::to_string(e->offset) +
                ", inside the header and TOC, which end at byte " + std::to_string(data_start));
        if (e->offset >= f.size())
            throw_problem(e->label() + ": TOC places its data block at byte " +
                          std::to_string(e->offset) + ", but the file ends at byte " +
                          std::to_string(f.size()));
    }
}

} // namespace pds::verify::detail
