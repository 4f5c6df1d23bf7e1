// Where pg_dump's output goes, and so what pg_dump-safe can protect.
#pragma once

#include "cli/pgdump_options.hpp"

#include <boost/filesystem/path.hpp>
#include <string>
#include <sys/types.h>

namespace pds::publish {

enum class Shape {
    File,      // -f FILE (plain, custom, tar): FILE.partial renamed onto FILE
    Directory, // -Fd -f DIR, DIR absent: DIR.partial/ renamed onto DIR
    // -Fd -f DIR, DIR an existing empty directory (perhaps a mountpoint, which cannot be
    // renamed): DIR/.pg_dump-safe.partial/ inside it, whose entries are moved into DIR (toc.dat
    // last). DIR itself, its mode, owner and group are never replaced.
    DirectoryInside,
    // -Fa -f FILE, FILE an existing regular file: the verified dump is appended to it.
    FileAppend,
    // Standard output is a regular file. Another command may share the shell's descriptor
    // (`{ a; b; } > f`, loops), so the file is never renamed over: the verified dump is copied
    // into the descriptor at its offset. StdoutFile: it was empty at offset 0 (`> f`: a file of
    // its own, a series member); StdoutAppend: `>> f`, non-empty or past offset 0.
    StdoutFile,
    StdoutAppend,
    Passthrough, // pipe, terminal, device, FIFO...: nothing to protect, pg_dump writes directly
};

// The name of the partial inside a DirectoryInside target.
constexpr const char* kInsidePartialName = ".pg_dump-safe.partial";

// A partial in $TMPDIR (else /tmp), for a dump whose own directory cannot hold one:
// pg_dump-safe.PID.partial, or pg_dump-safe.PID.TAG.partial.
boost::filesystem::path tmpdir_partial(const std::string& tag = "");

// True for the shapes whose verified bytes are copied into an existing descriptor or file
// rather than renamed into place.
bool copies_into_existing(Shape s);

const char* shape_name(Shape s);

struct OutputTarget {
    Shape shape = Shape::Passthrough;
    boost::filesystem::path final_path; // the name that is published (symlinks resolved)
    boost::filesystem::path partial;    // final_path + ".partial" (or a temp file for stdout)
    std::string passthrough_why;        // for -v: why the output is not protected
    // non-empty: refuse to run, as pg_dump would (exit 1): a non-empty directory for -Fd, a
    // file pg_dump could not open for writing (chmod 444, read-only mount).
    std::string error;
    bool error_unwritable = false; // the error is the file's permission or mount, not the argv
};

// Decide the output shape from the parsed argv and the descriptor that is stdout.
OutputTarget resolve_output(const cli::ParsedArgs& args, cli::Format format, int stdout_fd = 1);

} // namespace pds::publish
