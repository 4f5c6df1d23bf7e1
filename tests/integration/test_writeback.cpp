// The durability lines of the copy and directory shapes, counted with strace: the copy into
// standard output is fsynced, writeback is started before the fsyncs of a directory dump, and
// --no-sync changes all of that to nothing (as it does for pg_dump).
#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace pdstest;

namespace {

// Lines of an strace -o file that record a call to `name`.
int calls(const std::string& trace, const std::string& name) {
    int n = 0;
    for (const std::string& line : lines_with(trace, ""))
        if (line.find(" " + name + "(") != std::string::npos)
            ++n;
    return n;
}

int occurrences(const std::string& text, const std::string& needle) {
    int n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// Only the lines of pg_dump-safe's main thread: pg_dump, a child, fsyncs (and, for -Fd,
// starts writeback of) its own output too, which must not count for ours.
std::string main_thread(const std::string& dir, const std::string& trace) {
    std::string pid = read_file(dir + "/pid");
    pid.erase(pid.find_last_not_of('\n') + 1);
    std::string out;
    for (const std::string& line : lines_with(read_file(dir + "/" + trace), pid + " "))
        out += line + "\n";
    return out;
}

// `strace -f` of a shell that records its pid, then execs pg_dump-safe with `args`.
// LeakSanitizer cannot run under ptrace: a sanitizer build checks leaks in untraced runs only.
std::string traced(const std::string& out, const std::string& args) {
    return "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace -f -qq -e signal=none -e "
           "trace=sync_file_range,fsync,fdatasync,"
           "copy_file_range -o " +
           out + " sh -c " + q("echo $$ > pid; exec " + q(wrapper()) + " " + args);
}

} // namespace

TEST_CASE("standard output that is a file: the verified dump is copied into it and fsynced",
          "[writeback]") {
    Env env = server_env("s15");
    std::string dir = workdir("writeback-stdout");
    REQUIRE(sh(traced("t1", "app") + " > a.sql", env, dir).status == 0);
    std::string t1 = main_thread(dir, "t1");
    INFO(t1);
    CHECK(calls(t1, "copy_file_range") >= 1);
    CHECK(t1.find("fsync(1)") != std::string::npos);
    // The partial is only copied and deleted: no writeback of it, no fsync of it (writeback
    // may start only on standard output, for each 16 MiB copied).
    CHECK(calls(t1, "sync_file_range") == occurrences(t1, " sync_file_range(1, "));
    CHECK(calls(t1, "fsync") == 1);
    REQUIRE(sh(traced("t2", "--no-sync app") + " > b.sql", env, dir).status == 0);
    std::string t2 = read_file(dir + "/t2"); // pg_dump's lines too: none may fsync
    INFO(t2);
    CHECK(calls(t2, "fsync") == 0);
    CHECK(calls(t2, "fdatasync") == 0);
    CHECK(calls(t2, "copy_file_range") >= 1);
}

TEST_CASE("directory format: writeback of every file starts before the fsyncs, none with --no-sync",
          "[writeback]") {
    Env env = server_env("s15");
    std::string dir = workdir("writeback-fd");
    REQUIRE(sh(traced("t1", "-Fd -f d1 app"), env, dir).status == 0);
    std::string t1 = main_thread(dir, "t1");
    INFO(t1);
    const int files = std::stoi(sh("ls d1 | wc -l", {}, dir).out);
    CHECK(files >= 7);
    CHECK(calls(t1, "sync_file_range") >= files);
    // The first fsync comes after writeback was started for every file.
    size_t first_fsync = t1.find(" fsync(");
    REQUIRE(first_fsync != std::string::npos);
    CHECK(calls(t1.substr(0, first_fsync), "sync_file_range") >= files - 1);
    REQUIRE(sh(traced("t2", "--no-sync -Fd -f d2 app"), env, dir).status == 0);
    std::string t2 = read_file(dir + "/t2"); // every thread and pg_dump: none may sync
    INFO(t2);
    CHECK(calls(t2, "sync_file_range") == 0);
    CHECK(calls(t2, "fsync") == 0);
}
