#include "testing/crash_point.hpp"

namespace pds::testing {
namespace {
CrashHandler g_handler = nullptr;
}

void set_crash_handler(CrashHandler handler) {
    g_handler = handler;
}

void crash_point(const char* point, const std::string& path) {
    if (g_handler)
        g_handler(point, path);
}

} // namespace pds::testing
