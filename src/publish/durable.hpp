// Durability primitives: fsync, atomic rename, append of verified bytes. POSIX, as in
// PostgreSQL's durable_rename(): fsync the file, rename, fsync the directory.
#pragma once

#include <atomic>
#include <boost/filesystem/path.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace pds::publish {

// fsync a file, or every file and directory of a tree (directory-format dumps) and the tree.
void fsync_tree(const boost::filesystem::path& p);

// fsync the directory holding `p`, so a rename or unlink in it is durable.
void fsync_parent(const boost::filesystem::path& p);

// When `final_path` already exists as a regular file, give `partial` its permission bits and
// (where the process may) its group, so replacing a dump does not change who may read it.
void carry_over_attributes(const boost::filesystem::path& partial,
                           const boost::filesystem::path& final_path);

// rename(2) partial onto final_path (atomic in one filesystem), then fsync the directory.
void rename_into_place(const boost::filesystem::path& partial,
                       const boost::filesystem::path& final_path, bool sync);

// Append the whole of `file` to `fd` at its current position (copy_file_range, falling back
// to read/write), then fsync fd. On error the bytes appended so far are cut off again
// (ftruncate to the original end) so that nothing partial is left appended.
void append_file_to_fd(const boost::filesystem::path& file, int fd, bool sync);

// -Fa: append the whole of `file` to the existing regular file `target` (opened O_NOFOLLOW,
// never created or truncated), as append_file_to_fd.
void append_file_to_file(const boost::filesystem::path& file, const boost::filesystem::path& target,
                         bool sync);

// Move every entry of the directory `partial` (which lies inside `dir`) into `dir`, toc.dat
// last, so `dir` holds no restorable-looking archive until all its data files are there; then
// remove `partial`. With `sync`, `dir` is fsynced before and after toc.dat arrives. A name
// that already exists in `dir` is never replaced (RENAME_NOREPLACE). On error the entries
// moved so far are moved back into `partial`.
void move_entries_into(const boost::filesystem::path& partial, const boost::filesystem::path& dir,
                       bool sync);

// While pg_dump writes the partial, start the kernel's writeback of what it has written
// (sync_file_range SYNC_FILE_RANGE_WRITE, whole MiB below the current end, in steps of
// `step` bytes), so the final fsync finds little dirty data. A thread polls the file (or
// every file of a directory partial) every 100 ms until destruction. Never waits for I/O,
// never fails the run: a file it cannot open is skipped. On ext4 its opening and closing of
// the partial also clears the inode's auto_da_alloc flag, which pg_dump's truncating open of
// the existing (empty) partial sets: without it, pg_dump's own close() writes back the whole
// file (0.03-0.26 s for 370 MiB, bench/writeback_bench.sh), which bare pg_dump, creating a
// new file, never does. Shorter polls or steps, waiting for earlier ranges and dropping
// written pages (fadvise DONTNEED) gained nothing measurable there (README, Performance).
//
// With start_writeback false (--no-sync) it starts no writeback and syncs nothing: it only
// opens and closes a file partial once, read-only, as soon as pg_dump has written to it, so
// that pg_dump's close() does not write the whole file back either.
class WritebackStarter {
public:
    explicit WritebackStarter(boost::filesystem::path partial, unsigned long long step = 8ULL << 20,
                              bool start_writeback = true);
    ~WritebackStarter();
    WritebackStarter(const WritebackStarter&) = delete;
    WritebackStarter& operator=(const WritebackStarter&) = delete;
    // Bytes handed to sync_file_range so far (for tests and -v).
    unsigned long long started_bytes() const { return started_.load(); }

private:
    void loop();
    boost::filesystem::path partial_;
    unsigned long long step_;
    bool start_writeback_;
    std::atomic<unsigned long long> started_{0};
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace pds::publish
