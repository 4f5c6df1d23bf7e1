#include "support/scratch_dir.hpp"

#include "support/files.hpp"
#include "support/process.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::test {

ScratchDir::ScratchDir(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
        throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
    path_ = tmpl;
    if (::chmod(path_.c_str(), 0755) != 0)
        throw std::runtime_error("chmod " + path_ + ": " + std::strerror(errno));
}

ScratchDir::~ScratchDir() {
    if (std::getenv("PDS_KEEP_TEST_DIRS") || std::uncaught_exceptions() > 0)
        return;
    const std::string q = shell_quote(path_);
    std::string script;
    if (read_file_or_empty("/proc/self/mounts").find(" " + path_ + "/") != std::string::npos)
        script = "umount -q " + q + "/* 2>/dev/null; ";
    script += "chmod -R u+rwx " + q + " 2>/dev/null; rm -rf " + q;
    if (run_sh(script).status != 0)
        std::fprintf(stderr, "warning: could not remove %s\n", path_.c_str());
}

} // namespace pds::test
