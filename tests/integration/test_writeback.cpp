// The durability lines of the plain -f, copy and directory shapes, counted with strace: the
// writeback of a plain partial starts while pg_dump writes it, yet the partial's fsync before
// the rename and the directory's after it stay and decide; the copy into standard output is
// fsynced, writeback is started before the fsyncs of a directory dump, and --no-sync changes
// all of that to nothing (as it does for pg_dump).
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

// A FAKE pg_dump (named so: the real one cannot be made to pause mid-dump): --version is the
// real pg_dump's; otherwise it opens its -f file as pg_dump does (O_TRUNC), writes a plain
// dump's opening lines and 9 MiB of comment lines, then, with FAKE_WAIT_FOR set, waits (at
// most 60 s) until that strace log shows a sync_file_range call (or the fixed string
// FAKE_WAIT_PATTERN) and records that it saw one in ./saw-writeback, or else sleeps
// FAKE_SLEEP seconds; then writes the completion trailer.
// No timing decides a test: the wait ends on the event it waits for.
std::string fake_pausing_writer(const std::string& dir) {
    const std::string path = dir + "/pg_dump";
    write_file(path, "#!/bin/sh\n"
                     "case \"$1\" in --version|-V) exec " +
                         pg_bindir() +
                         "/pg_dump \"$@\";; esac\n"
                         "out=\n"
                         "while [ $# -gt 0 ]; do\n"
                         "  case \"$1\" in -f) out=$2; shift;; --file=*) out=${1#--file=};;\n"
                         "    -f*) out=${1#-f};; esac; shift\n"
                         "done\n"
                         "exec > \"$out\"\n"
                         "printf -- '--\\n-- PostgreSQL database dump\\n--\\n\\n'\n"
                         "yes 'a line of a dump that pauses' | head -c 9437184\n"
                         "if [ -n \"${FAKE_WAIT_FOR:-}\" ]; then\n"
                         "  i=0\n"
                         "  while [ $i -lt 600 ]; do\n"
                         "    if grep -qF -e \"${FAKE_WAIT_PATTERN:- sync_file_range(}\" "
                         "\"$FAKE_WAIT_FOR\"; then\n"
                         "      : > saw-writeback; break\n"
                         "    fi\n"
                         "    sleep 0.1; i=$((i + 1))\n"
                         "  done\n"
                         "else sleep \"${FAKE_SLEEP:-0}\"; fi\n"
                         "printf -- '\\n--\\n-- PostgreSQL database dump complete\\n--\\n\\n'\n");
    // pg_dump-safe looks for pg_restore beside the pg_dump it runs (unused for plain dumps).
    sh("chmod +x " + q(path) + " && ln -s " + q(pg_bindir() + "/pg_restore") + " " +
       q(dir + "/pg_restore"));
    return path;
}

// `strace -f -y` (paths of descriptors) of pg_dump-safe run with `args` through the FAKE
// pg_dump in `dir`; `extra` are more strace options (an injected fault).
std::string traced_plain(const std::string& dir, const std::string& extra,
                         const std::string& args) {
    return "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace -f -qq -y -e signal=none -e "
           "trace=sync_file_range,fsync,fdatasync,rename " +
           extra + " -o trace sh -c " +
           q("echo $$ > pid; exec " + q(wrapper()) + " --safe-pg-dump=" + q(dir + "/pg_dump") +
             " " + args);
}

const std::string kGood = "previous good dump: must survive byte for byte\n";

} // namespace

TEST_CASE("plain -f: writeback starts while pg_dump writes, the partial's fsync before the "
          "rename and the directory's after it stay",
          "[writeback][durability]") {
    std::string dir = workdir("writeback-plain");
    fake_pausing_writer(dir);
    write_file(dir + "/x.sql", kGood);
    Result r =
        sh(traced_plain(dir, "", "-Fp -f x.sql db"), {{"FAKE_WAIT_FOR", dir + "/trace"}}, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    // The starter's thread handed the partial to writeback before pg_dump finished.
    CHECK(exists(dir + "/saw-writeback"));
    const std::string all = read_file(dir + "/trace");
    INFO(all);
    CHECK(all.find("sync_file_range(") != std::string::npos);
    bool started = false; // on the partial, from its first byte
    for (const std::string& line : lines_with(all, ""))
        started = started || (line.find(" sync_file_range(") != std::string::npos &&
                              line.find("x.sql.partial>, 0, ") != std::string::npos &&
                              line.find("SYNC_FILE_RANGE_WRITE) = 0") != std::string::npos);
    CHECK(started);
    // Main thread: fsync of the partial, then the rename, then fsync of the directory.
    std::string t = main_thread(dir, "trace");
    size_t fsync_partial = t.find(" fsync(");
    REQUIRE(fsync_partial != std::string::npos);
    CHECK(t.find("x.sql.partial>) = 0", fsync_partial) != std::string::npos);
    size_t ren = t.find(" rename(\"x.sql.partial\", \"x.sql\")");
    REQUIRE(ren != std::string::npos);
    CHECK(fsync_partial < ren);
    CHECK(t.find(" fsync(", ren) != std::string::npos);
    CHECK(t.find(dir + ">) = 0", ren) != std::string::npos);
    CHECK(read_file(dir + "/x.sql").find("dump complete") != std::string::npos);
}

TEST_CASE("plain -f: an fsync error after the writeback started fails the run, the final "
          "name untouched",
          "[writeback][durability]") {
    std::string dir = workdir("writeback-plain-eio");
    fake_pausing_writer(dir);
    write_file(dir + "/x.sql", kGood);
    Result r = sh(traced_plain(dir, "-e inject=fsync:error=EIO", "-Fp -f x.sql db"),
                  {{"FAKE_WAIT_FOR", dir + "/trace"}}, dir);
    INFO(r.err);
    CHECK(exists(dir + "/saw-writeback"));
    CHECK(r.status == 4);
    CHECK(read_file(dir + "/x.sql") == kGood);
    CHECK(exists(dir + "/x.sql.partial"));
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "publish-failed");
    CHECK(f["detail"].find("could not fsync x.sql.partial: Input/output error") !=
          std::string::npos);
}

TEST_CASE("plain -f: a failed writeback start is only a hint - the fsync still runs and decides",
          "[writeback][durability]") {
    std::string dir = workdir("writeback-plain-hint");
    fake_pausing_writer(dir);
    Result r = sh(traced_plain(dir, "-e inject=sync_file_range:error=EIO", "-Fp -f x.sql db"),
                  {{"FAKE_WAIT_FOR", dir + "/trace"}}, dir);
    INFO(r.err);
    CHECK(exists(dir + "/saw-writeback"));
    REQUIRE(r.status == 0);
    std::string t = main_thread(dir, "trace");
    INFO(t);
    CHECK(t.find("x.sql.partial>) = 0") != std::string::npos); // its fsync
}

TEST_CASE("plain -f with --no-sync: no writeback and no fsync while or after pg_dump writes",
          "[writeback]") {
    std::string dir = workdir("writeback-plain-nosync");
    fake_pausing_writer(dir);
    // One second with 9 MiB written: ten polls of a writeback starter, had one been started.
    Result r = sh(traced_plain(dir, "", "--no-sync -Fp -f x.sql db"), {{"FAKE_SLEEP", "1"}}, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string all = read_file(dir + "/trace"); // every thread and process
    INFO(all);
    CHECK(calls(all, "sync_file_range") == 0);
    CHECK(calls(all, "fsync") == 0);
    CHECK(calls(all, "fdatasync") == 0);
    CHECK(calls(all, "rename") == 1);
}

TEST_CASE("plain -f with --no-sync: the partial is opened and closed once while pg_dump writes, "
          "with no sync call",
          "[writeback]") {
    // pg_dump opens the existing partial with O_TRUNC; on ext4 its close() would then write
    // the whole file back (auto_da_alloc), unless another close came first: the thread's.
    std::string dir = workdir("writeback-plain-nosync-close");
    fake_pausing_writer(dir);
    const std::string open_line = "x.sql.partial\", O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOFOLLOW";
    Result r = sh("ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace -f -qq -e "
                  "signal=none -e trace=openat,sync_file_range,fsync,fdatasync -o trace " +
                      q(wrapper()) + " --safe-pg-dump=" + q(dir + "/pg_dump") +
                      " --no-sync -Fp -f x.sql db",
                  {{"FAKE_WAIT_FOR", dir + "/trace"}, {"FAKE_WAIT_PATTERN", open_line}}, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string all = read_file(dir + "/trace");
    INFO(all);
    CHECK(exists(dir + "/saw-writeback")); // seen while the FAKE pg_dump was still writing
    CHECK(occurrences(all, open_line) == 1);
    CHECK(calls(all, "sync_file_range") == 0);
    CHECK(calls(all, "fsync") == 0);
    CHECK(calls(all, "fdatasync") == 0);
}

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
