// A scratch directory for tests that run programs as other users (runuser -u nobody) or
// mount filesystems in it: /tmp/<prefix>-XXXXXX, mode 0755 so that any user can enter it.
// At the end, filesystems mounted below it are unmounted and it is removed (modes forced
// first), unless PDS_KEEP_TEST_DIRS is set or the test is failing (an exception, such as a
// failed REQUIRE, is unwinding): then it stays for inspection.
#pragma once

#include <string>

namespace pds::test {

class ScratchDir {
public:
    explicit ScratchDir(const std::string& prefix);
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

} // namespace pds::test
