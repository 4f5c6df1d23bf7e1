// Random pg_dump command lines (15 by default; ServerParams::major picks 13 to 18) for the
// differential test (pg_dump vs pg_dump-safe).
//
// Every case is a pure function of (seed, index), so one failing case can be replayed alone.
// The options come from pg_dump 15's table in src/cli/pgdump_option_table.* (every long option,
// its short letter, its arity), spelled every way getopt_long accepts or rejects: attached and
// separate values, clustered short flags, abbreviated (and ambiguous) long options, "--", the
// database name anywhere, repeated -f/-F, every -F spelling, and malformed input.
//
// Safety: every value the generator can put where a file name goes is a relative name inside
// the case's own working directory; connection options only ever name the test server, the
// tiny database "difftiny", or names that do not exist; -j is never above 2.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pdsdiff {

// splitmix64: the same sequence on every platform and standard library.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : s_(seed) {}
    std::uint64_t next();
    std::size_t below(std::size_t n); // uniform in [0, n), n > 0
    bool chance(double p);            // true with probability p
    template <class T> const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

private:
    std::uint64_t s_;
};

std::uint64_t mix(std::uint64_t seed, std::uint64_t index);

struct ServerParams {
    std::string host; // PGHOST of the test server (a socket directory)
    std::string port; // PGPORT
    std::string user; // PGUSER
    int major = 15;   // the pg_dump major whose option table the cases are drawn from
    std::string filter_file = "/dev/null"; // an existing --filter file (pg_dump 17+)
};

// What the run's standard output is. Fresh file: an empty regular file at offset 0 (the shell's
// "> f", pg_dump-safe's protected stdout-file shape). Pipe: passed through by pg_dump-safe.
// Append: a file that already holds kAppendPrefix, opened O_APPEND (">> f", the stdout-append
// shape: only verified bytes are appended).
enum class StdoutMode { FreshFile, Pipe, Append };
inline const char* const kAppendPrefix = "-- text that was in the file before\n";

struct Case {
    std::uint64_t seed = 0;
    std::uint64_t index = 0;
    std::vector<std::string> argv;        // given to both pg_dump and pg_dump-safe
    std::vector<std::string> safe_prefix; // --safe-* options put first for pg_dump-safe only
    StdoutMode stdout_mode = StdoutMode::FreshFile;
    bool posixly_correct = false; // POSIXLY_CORRECT set for both runs
    bool valid_mode = false;      // built to be accepted (it may still fail)
};

// Value pools for every long option of pg_dump `server.major` that takes a value: values meant to
// work and values pg_dump rejects (after getopt, before or right after connecting).
struct ValuePool {
    std::vector<std::string> good;
    std::vector<std::string> bad;
};
std::map<std::string, ValuePool> value_pools(const ServerParams& server);

Case generate(std::uint64_t seed, std::uint64_t index, const ServerParams& server);

// Shell-quoted, for replay instructions.
std::string shell_quote(const std::string& s);
std::string describe(const Case& c); // "POSIXLY_CORRECT=1 pg_dump 'a' 'b' (stdout: file)"

} // namespace pdsdiff
