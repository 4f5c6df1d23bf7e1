// Verify while pg_dump writes: a thread follows a custom-format archive as pg_dump appends
// to it (-f FILE) and decompresses each data stream as it lands, on the core pg_dump leaves
// idle, so that `full` verification of the finished file has little left to do.
//
// pg_dump (pg_backup_custom.c, _CloseArchive) writes the header and the TOC with the data
// offsets not yet set, then the data blocks in order, appending, and at the end seeks back
// and rewrites the TOC in place with the offsets. The follower therefore trusts nothing it
// read: it only records, for each stream of chunks it decompressed to its end, the stream's
// offsets and the CRC-32 of its bytes (checked_streams.hpp). The verifier of the finished
// file reads the final header and TOC itself and walks every block as usual; it skips the
// decompression of a stream only where the final framing ends at the same byte and the bytes
// have the same CRC-32. A problem is always found and worded by the normal verifier, so the
// verdict is verify_path()'s on every input.
//
// The follower reads only bytes below the file's current size, polls that size every 10 ms,
// and gives up (recording nothing more) on anything it does not expect: a size that shrinks,
// a block it cannot parse, a stream that does not decompress. Memory: a 1 MiB read buffer,
// one decompressor and at most CheckedStreams::kMaxStreams records.
#pragma once

#include "verify/checked_streams.hpp"
#include "verify/verify.hpp"

#include <atomic>
#include <boost/filesystem/path.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace pds::verify {

struct FollowStats {
    std::uint64_t streams = 0; // streams decompressed whole and recorded
    std::uint64_t bytes = 0;   // bytes of the file the follower read
    std::string stopped_by;    // why it stopped before the end of the file ("" if it did not)
};

class Follower {
public:
    // Starts the thread. `path` must already exist (the partial pg_dump will open with -f).
    // Never throws for a file it cannot read: it then records nothing.
    explicit Follower(boost::filesystem::path path);
    ~Follower(); // stops the thread (pg_dump failed, the run was interrupted) and joins it
    Follower(const Follower&) = delete;
    Follower& operator=(const Follower&) = delete;

    // pg_dump has exited: the file does not grow any more. Waits for the thread to walk to
    // the end of the file and returns what it proved, or null when nothing may be reused
    // (it recorded nothing, the file shrank, or `path` is no longer the file it followed).
    const detail::CheckedStreams* finish();

    // verify_path(path, level, options) with options.checked from finish() when the level is
    // `full`; the thread is stopped at any other level.
    Verdict verify(Level level, VerifyOptions options);

    // Complete after finish(); while following, only `streams` is current.
    FollowStats stats() const;

private:
    void follow();

    boost::filesystem::path path_;
    std::atomic<bool> writer_done_{false};
    std::atomic<bool> stop_{false};
    bool finished_ = false;
    bool usable_ = false;
    std::unique_ptr<detail::CheckedStreams> checked_;
    FollowStats stats_;
    std::atomic<std::uint64_t> streams_{0}; // recorded so far (stats() while following)
    std::uint64_t dev_ = 0, ino_ = 0;       // of the file followed
    std::thread thread_;
};

} // namespace pds::verify
