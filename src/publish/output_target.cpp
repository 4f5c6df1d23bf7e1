#include "publish/output_target.hpp"

#include "posix/open.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::publish {
namespace {

fs::path with_partial_suffix(const fs::path& p) {
    return fs::path(p.string() + ".partial");
}

// Empty, or holding only the inside partial a killed run left (the run sweeps it).
bool dir_is_empty(const fs::path& p) {
    boost::system::error_code ec;
    fs::directory_iterator it(p, ec), end;
    for (; !ec && it != end; it.increment(ec))
        if (it->path().filename() != kInsidePartialName)
            return false;
    return !ec;
}

// pg_dump opens an existing output file for writing before it dumps (fopen "wb", or "ab" for
// -Fa) and stops when it cannot: a chmod 444 file of another run, a read-only mount. Renaming
// over it would succeed where pg_dump refuses, so ask the same question without truncating.
std::string unwritable(const std::string& given, const fs::path& p) {
    if (posix::try_open(p.string(), O_WRONLY | O_NONBLOCK | O_NOFOLLOW))
        return "";
    if (errno == ENOENT)
        return "";
    const int err = errno;
    return "could not open output file \"" + given + "\": " + std::strerror(err) +
           (err == EACCES ? " (this user may not write it; pg_dump refuses it the same way)" : "");
}

// "dir/" and "dir//" name "dir": pg_dump's mkdir accepts them, and FINAL.partial must lie
// beside the directory, never inside it.
std::string without_trailing_slashes(std::string s) {
    while (s.size() > 1 && s.back() == '/')
        s.pop_back();
    return s;
}

// The name stdout was opened under, if it still names the same file.
bool stdout_path(int fd, const struct stat& st, fs::path& out) {
    char link[PATH_MAX + 1];
    std::string proc = "/proc/self/fd/" + std::to_string(fd);
    ssize_t n = ::readlink(proc.c_str(), link, PATH_MAX);
    if (n <= 0)
        return false;
    link[n] = '\0';
    if (link[0] != '/')
        return false;
    struct stat named {};
    if (::stat(link, &named) != 0 || named.st_dev != st.st_dev || named.st_ino != st.st_ino)
        return false; // deleted, renamed or replaced since the shell opened it
    out = link;
    return true;
}

OutputTarget passthrough(std::string why) {
    OutputTarget t;
    t.shape = Shape::Passthrough;
    t.passthrough_why = std::move(why);
    return t;
}

OutputTarget from_stdout(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return passthrough("standard output is closed");
    if (!S_ISREG(st.st_mode)) {
        const char* kind = S_ISFIFO(st.st_mode)   ? "a pipe"
                           : S_ISSOCK(st.st_mode) ? "a socket"
                           : S_ISCHR(st.st_mode)
                               ? (::isatty(fd) ? "a terminal" : "a character device")
                               : "not a regular file";
        return passthrough(std::string("standard output is ") + kind);
    }
    int flags = ::fcntl(fd, F_GETFL);
    off_t pos = ::lseek(fd, 0, SEEK_CUR);
    OutputTarget t;
    fs::path named;
    bool known = stdout_path(fd, st, named);
    bool fresh = flags >= 0 && !(flags & O_APPEND) && pos == 0 && st.st_size == 0;
    t.shape = fresh && known ? Shape::StdoutFile : Shape::StdoutAppend;
    t.final_path = known ? named : fs::path();
    if (known) {
        t.partial = with_partial_suffix(named);
    } else {
        t.partial = tmpdir_partial("stdout");
    }
    return t;
}

} // namespace

fs::path tmpdir_partial(const std::string& tag) {
    const char* tmp = std::getenv("TMPDIR");
    return fs::path(tmp && *tmp ? tmp : "/tmp") / ("pg_dump-safe." + std::to_string(::getpid()) +
                                                   (tag.empty() ? "" : "." + tag) + ".partial");
}

const char* shape_name(Shape s) {
    switch (s) {
    case Shape::File:
        return "file";
    case Shape::Directory:
        return "directory";
    case Shape::DirectoryInside:
        return "directory-inside";
    case Shape::FileAppend:
        return "file-append";
    case Shape::StdoutFile:
        return "stdout-file";
    case Shape::StdoutAppend:
        return "stdout-append";
    case Shape::Passthrough:
        return "passthrough";
    }
    return "passthrough";
}

bool copies_into_existing(Shape s) {
    return s == Shape::FileAppend || s == Shape::StdoutFile || s == Shape::StdoutAppend;
}

OutputTarget resolve_output(const cli::ParsedArgs& args, cli::Format format, int stdout_fd) {
    // pg_dump -Fp -f '' fails to open "" (after dumping); handing it over keeps its error.
    if (format == cli::Format::Plain && args.file && args.file->empty())
        return passthrough("-f '' names no file");
    bool to_stdout =
        !args.file || args.file->empty() || (format == cli::Format::Plain && *args.file == "-");
    if (to_stdout) {
        if (format == cli::Format::Directory)
            return passthrough("directory format needs -f"); // pg_dump reports it
        return from_stdout(stdout_fd);
    }
    fs::path given =
        format == cli::Format::Directory ? without_trailing_slashes(*args.file) : *args.file;
    // -f /dev/stdout, /dev/fd/1, /proc/self/fd/1 (or any name of the file our standard output
    // is): it is standard output, with its shapes. Replacing the file it names would lose
    // what a `>>` redirection or earlier commands of a `{ ...; } > file` group put there.
    struct stat out_st {
    }, named_st{};
    if (::fstat(stdout_fd, &out_st) == 0 && ::stat(given.c_str(), &named_st) == 0 &&
        out_st.st_dev == named_st.st_dev && out_st.st_ino == named_st.st_ino &&
        format != cli::Format::Directory)
        return from_stdout(stdout_fd);
    boost::system::error_code ec;
    fs::file_status ls = fs::symlink_status(given, ec);
    fs::path final_path = given;
    if (ls.type() == fs::symlink_file) {
        // Write beside the link's final target, so the link keeps pointing where it pointed.
        final_path = fs::weakly_canonical(given, ec);
        if (ec)
            return passthrough("cannot resolve symlink " + given.string() + ": " + ec.message());
    }
    fs::file_status st = fs::status(final_path, ec);
    OutputTarget t;
    t.final_path = final_path;
    t.partial = with_partial_suffix(final_path);
    if (format == cli::Format::Directory) {
        if (st.type() == fs::directory_file) {
            if (!dir_is_empty(final_path))
                t.error = "could not create directory \"" + *args.file + "\": File exists";
            t.shape = Shape::DirectoryInside;
            t.partial = final_path / kInsidePartialName;
            return t;
        } else if (st.type() != fs::file_not_found) {
            return passthrough(given.string() + " exists and is not a directory");
        }
        t.shape = Shape::Directory;
        return t;
    }
    switch (st.type()) {
    case fs::file_not_found:
        t.shape = Shape::File;
        return t;
    case fs::regular_file:
        t.shape = args.append ? Shape::FileAppend : Shape::File;
        t.error = unwritable(given.string(), final_path);
        t.error_unwritable = !t.error.empty();
        return t;
    case fs::directory_file:
        return passthrough(given.string() + " is a directory");
    default:
        return passthrough(given.string() + " is not a regular file");
    }
}

} // namespace pds::publish
