// Replacing a file so that readers see the old or the new content, never a torn one, even
// across a crash, and so that nothing another user planted is ever written through:
// a fresh temporary (O_CREAT|O_EXCL|O_NOFOLLOW, random name) in the target's directory,
// write, fsync, rename, fsync of the directory (PostgreSQL's durable_rename()).
// A destructor without commit() removes the temporary.
#pragma once

#include "posix/fd.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>

namespace pds::posix {

// 0666 & ~umask: the mode a shell redirection would give a new file.
mode_t default_file_mode() noexcept;

class AtomicFile {
public:
    // Creates ".NAME.tmp.XXXXXX" beside `path` with permission bits `mode` exactly (fchmod,
    // so the umask does not narrow it further; pass default_file_mode() for the usual).
    // Throws Error naming the directory or the temporary.
    AtomicFile(const std::string& path, mode_t mode);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    int fd() const noexcept { return fd_.get(); }
    const std::string& path() const noexcept { return path_; }
    const std::string& temp_path() const noexcept { return temp_path_; }

    // Appends to the temporary; throws Error("could not write", temporary, errno).
    void write(std::string_view data);
    // fsync, close, rename onto the path, fsync the directory. Throws Error; after a failure
    // before the rename the temporary is removed and the path is untouched. durable=false
    // leaves out both fsyncs (pg_dump's --no-sync: the caller asked for no syncing at all).
    void commit(bool durable = true);

private:
    std::string path_, dir_, temp_name_, final_name_, temp_path_;
    Fd dir_fd_;
    Fd fd_;
    bool done_ = false;
};

// One call: AtomicFile(path, mode), write(content), commit().
void write_file_atomically(const std::string& path, std::string_view content, mode_t mode);

} // namespace pds::posix
