// Where pg_dump's output goes, and so what pg_dump-safe can protect.
#pragma once

#include "cli/pgdump_options.hpp"

#include <boost/filesystem/path.hpp>
#include <string>
#include <sys/types.h>

namespace pds::publish {

enum class Shape {
    File,         // -f FILE (plain, custom, tar): FILE.partial renamed onto FILE
    Directory,    // -f DIR -Fd: DIR.partial/ renamed onto DIR
    StdoutRename, // stdout is an empty regular file at offset 0: PATH.partial renamed onto PATH
    StdoutAppend, // stdout is a regular file in append mode / non-empty / offset > 0
    Passthrough,  // pipe, terminal, device, FIFO...: nothing to protect, pg_dump writes directly
};

const char* shape_name(Shape s);

struct OutputTarget {
    Shape shape = Shape::Passthrough;
    boost::filesystem::path final_path; // the name that is published (symlinks resolved)
    boost::filesystem::path partial;    // final_path + ".partial" (or a temp file for append)
    std::string passthrough_why;        // for -v: why the output is not protected
    dev_t stdout_dev = 0;               // StdoutRename: identity of the file the shell created
    ino_t stdout_ino = 0;
    std::string error; // non-empty: refuse to run (pg_dump's own rule, e.g. non-empty dir)
};

// Decide the output shape from the parsed argv and the descriptor that is stdout.
OutputTarget resolve_output(const cli::ParsedArgs& args, cli::Format format, int stdout_fd = 1);

} // namespace pds::publish
