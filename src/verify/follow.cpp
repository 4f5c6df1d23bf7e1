#include "verify/follow.hpp"

#include "verify/decompress.hpp"
#include "verify/file_reader.hpp"

#include <chrono>
#include <cstring>
#include <sys/stat.h>

namespace pds::verify {
namespace {

using namespace detail;

constexpr int kBlkData = 1; // pg_backup_custom.c
constexpr int kBlkBlobs = 3;
constexpr auto kPoll = std::chrono::milliseconds(10);

// Why the follower stopped before the end of the file. Not a problem of the archive: the
// verifier of the finished file decides that.
struct GiveUp {
    std::string why;
    bool distrust = false; // nothing recorded may be used (the file shrank)
};

std::uint64_t current_size(const File& f, std::uint64_t* dev = nullptr,
                           std::uint64_t* ino = nullptr) {
    struct stat st {};
    if (::fstat(f.fd(), &st) != 0)
        throw GiveUp{std::string("fstat: ") + std::strerror(errno), true};
    if (dev)
        *dev = static_cast<std::uint64_t>(st.st_dev);
    if (ino)
        *ino = static_cast<std::uint64_t>(st.st_ino);
    return static_cast<std::uint64_t>(st.st_size);
}

// Sequential reads of a file that is still growing: a read waits (polling the size) until
// the bytes are below the file's size, and gives up when they never will be (the writer is
// done, or the follower is stopped). Keeps the CRC-32 of what it hands out since restart.
class GrowingReader {
public:
    static constexpr std::size_t kBuffer = std::size_t{1} << 20;

    GrowingReader(const File& f, std::uint64_t pos, const std::atomic<bool>& writer_done,
                  const std::atomic<bool>& stop)
        : f_(f), writer_done_(writer_done), stop_(stop), buf_(new std::uint8_t[kBuffer]), pos_(pos),
          buf_start_(pos), buf_end_(pos) {}

    std::uint64_t pos() const { return pos_; }
    void crc_restart() { crc_ = 0; }
    std::uint32_t crc() const { return crc_; }
    std::uint64_t size_seen() const { return size_; }

    // Whether the file has (or will have) a byte at pos(); false at its final end.
    bool more() { return buf_end_ > pos_ || wait_for(pos_ + 1); }

    std::uint8_t byte() {
        std::uint8_t b;
        take(&b, 1);
        return b;
    }

    // pg_dump's integer (read_archive_int's rules; anything else makes the follower give up).
    std::int64_t archive_int(int int_size) {
        std::uint8_t b[9];
        take(b, 1 + static_cast<std::size_t>(int_size));
        if (b[0] > 1)
            throw GiveUp{"integer with sign byte " + std::to_string(b[0])};
        std::uint64_t v = 0;
        for (int i = 0; i < int_size; ++i)
            v |= static_cast<std::uint64_t>(b[1 + i]) << (8 * i);
        if (v > static_cast<std::uint64_t>(INT64_MAX))
            throw GiveUp{"integer too large"};
        return b[0] ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
    }

    // Hands the next n bytes to sink in pieces as they land in the file.
    template <class Sink> void stream(std::uint64_t n, Sink&& sink) {
        while (n > 0) {
            ensure(1);
            const std::uint64_t avail = buf_end_ - pos_;
            const std::size_t piece = static_cast<std::size_t>(n < avail ? n : avail);
            const std::uint8_t* p = buf_.get() + (pos_ - buf_start_);
            crc_ = stream_crc32(crc_, p, piece);
            sink(p, piece);
            pos_ += piece;
            n -= piece;
        }
    }

private:
    void take(std::uint8_t* out, std::size_t n) {
        ensure(n);
        const std::uint8_t* p = buf_.get() + (pos_ - buf_start_);
        crc_ = stream_crc32(crc_, p, n);
        std::memcpy(out, p, n);
        pos_ += n;
    }

    // Waits until the file holds `end` bytes. Throws GiveUp when the file shrinks.
    bool wait_for(std::uint64_t end) {
        for (;;) {
            if (size_ >= end)
                return true;
            const bool done = writer_done_.load(); // before the size: then the size is final
            const std::uint64_t now = current_size(f_);
            if (now < size_)
                throw GiveUp{"the file shrank from " + std::to_string(size_) + " to " +
                                 std::to_string(now) + " bytes",
                             true};
            size_ = now;
            if (size_ >= end)
                return true;
            if (done || stop_.load())
                return false;
            std::this_thread::sleep_for(kPoll);
        }
    }

    // Makes the buffer hold at least n (<= 9, or 1) bytes at pos_, reading all that the file
    // has up to the buffer's size.
    void ensure(std::size_t n) {
        if (buf_end_ - pos_ >= n)
            return;
        if (stop_.load())
            throw GiveUp{"stopped"};
        const std::size_t kept = static_cast<std::size_t>(buf_end_ - pos_);
        std::memmove(buf_.get(), buf_.get() + (pos_ - buf_start_), kept);
        buf_start_ = pos_;
        if (!wait_for(pos_ + n))
            throw GiveUp{"the file ends at byte " + std::to_string(size_) + " inside a block"};
        std::uint64_t want = size_ - buf_end_;
        if (want > kBuffer - kept)
            want = kBuffer - kept;
        while (want > 0) {
            const std::size_t got = f_.pread_some(buf_.get() + (buf_end_ - buf_start_),
                                                  static_cast<std::size_t>(want), buf_end_);
            if (got == 0)
                throw GiveUp{"the file shrank while being read", true};
            buf_end_ += got;
            want -= got;
        }
    }

    const File& f_;
    const std::atomic<bool>& writer_done_;
    const std::atomic<bool>& stop_;
    std::unique_ptr<std::uint8_t[]> buf_;
    std::uint64_t pos_, buf_start_, buf_end_;
    std::uint64_t size_ = 0;
    std::uint32_t crc_ = 0;
};

} // namespace

Follower::Follower(boost::filesystem::path path) : path_(std::move(path)) {
    thread_ = std::thread([this] { follow(); });
}

Follower::~Follower() {
    stop_ = true;
    if (thread_.joinable())
        thread_.join();
}

void Follower::follow() {
    std::uint64_t data_start = 0;
    std::unique_ptr<File> file;
    try {
        try {
            file = std::make_unique<File>(path_);
        } catch (const Corrupt& e) {
            throw GiveUp{e.what()};
        }
        std::uint64_t size = current_size(*file, &dev_, &ino_);
        // The header and the TOC, as far as they are written. Read again from the start each
        // time the file has doubled (pg_dump writes them at once, then the data): the
        // offsets in this TOC are not final and are not used; only where the TOC ends.
        Header h;
        for (std::uint64_t next_try = 1, tried = 0;;) {
            const bool done = writer_done_.load();
            const std::uint64_t now = current_size(*file);
            if (now < size)
                throw GiveUp{"the file shrank", true};
            size = now;
            if (size >= next_try || (done && size > tried)) {
                next_try = size * 2;
                tried = size;
                try {
                    const File prefix(path_);
                    std::uint64_t dev = 0, ino = 0;
                    current_size(prefix, &dev, &ino);
                    if (dev != dev_ || ino != ino_)
                        throw GiveUp{"the path names another file", true};
                    Reader r(prefix, 0, prefix.size());
                    h = read_header(r, kFormatCustom);
                    read_toc(r, h, TocExtra::DataOffset);
                    data_start = r.pos();
                    break;
                } catch (const Corrupt&) {
                    // not all there yet, or not an archive: try again when it has grown
                }
            }
            if (done)
                throw GiveUp{"no complete header and TOC"};
            if (stop_.load())
                throw GiveUp{"stopped"};
            std::this_thread::sleep_for(kPoll);
        }
        const Codec codec = h.compression == Codec::Gzip ? Codec::Zlib : h.compression;
        if (codec == Codec::None)
            throw GiveUp{"the data is not compressed"};
        checked_ = std::make_unique<CheckedStreams>(h.int_size, codec);
        // The decompressor the verifier of the finished file tries first (check_exact): a stream
        // it accepts passes there too, with the same output.
        const std::unique_ptr<Decompressor> dec = Decompressor::create_fast(codec);
        GrowingReader in(*file, data_start, writer_done_, stop_);
        const auto one_stream = [&] {
            CheckedStream s;
            s.start = in.pos();
            in.crc_restart();
            LineCounter counter(&s.lines);
            dec->reset();
            const ScopedSink scoped(dec.get(), &counter);
            try {
                for (;;) {
                    const std::int64_t len = in.archive_int(h.int_size);
                    if (len == 0)
                        break;
                    if (len < 0)
                        throw GiveUp{"negative chunk length"};
                    in.stream(static_cast<std::uint64_t>(len),
                              [&](const std::uint8_t* p, std::size_t n) { dec->feed(p, n); });
                }
                dec->finish();
                counter.finish();
            } catch (const Corrupt& e) {
                throw GiveUp{std::string("stream at byte ") + std::to_string(s.start) + ": " +
                             e.what()};
            }
            s.end = in.pos();
            s.crc = in.crc();
            const std::string tail = dec->tail();
            s.tail_len = static_cast<std::uint8_t>(tail.size());
            std::memcpy(s.tail, tail.data(), tail.size());
            if (!checked_->add(s))
                throw GiveUp{"stream limit reached"};
            streams_ = checked_->size();
        };
        while (in.more()) {
            const int type = in.byte();
            in.archive_int(h.int_size); // dumpId: the final TOC's business
            if (type == kBlkData) {
                one_stream();
            } else if (type == kBlkBlobs) {
                for (;;) {
                    const std::int64_t oid = in.archive_int(h.int_size);
                    if (oid == 0)
                        break;
                    one_stream();
                }
            } else {
                throw GiveUp{"block of type " + std::to_string(type)};
            }
            stats_.bytes = in.pos();
        }
        stats_.bytes = in.size_seen();
        usable_ = true;
    } catch (const GiveUp& g) {
        stats_.stopped_by = g.why;
        usable_ = !g.distrust;
    } catch (const std::exception& e) {
        stats_.stopped_by = e.what();
        usable_ = false;
    }
}

const detail::CheckedStreams* Follower::finish() {
    writer_done_ = true;
    if (thread_.joinable())
        thread_.join();
    if (!finished_) {
        finished_ = true;
        struct stat st {};
        if (usable_ &&
            (::stat(path_.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_dev) != dev_ ||
             static_cast<std::uint64_t>(st.st_ino) != ino_)) {
            usable_ = false;
            stats_.stopped_by = "the path no longer names the file followed";
        }
    }
    return usable_ && checked_ && checked_->size() > 0 ? checked_.get() : nullptr;
}

Verdict Follower::verify(Level level, VerifyOptions options) {
    if (level == Level::Full) {
        options.checked = finish();
    } else {
        stop_ = true;
        finish();
        options.checked = nullptr;
    }
    return verify_path(path_, level, options);
}

FollowStats Follower::stats() const {
    FollowStats s = finished_ ? stats_ : FollowStats{};
    s.streams = streams_.load();
    return s;
}

} // namespace pds::verify
