// Internal error type of the verifier: a Corrupt exception carries the first problem found.
// It never leaves the library: verify_path() turns it into Verdict::problem.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pds::verify::detail {

struct Corrupt : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A problem whose message already says where it is: with_context() lets it pass unchanged
// (a blob file's problem found while reading the list of blob files, for example).
struct Located : Corrupt {
    using Corrupt::Corrupt;
};

[[noreturn]] inline void throw_problem(const std::string& message) {
    throw Corrupt(message);
}

// Prefixes the message of any Corrupt thrown by fn with "context: ", so a low-level
// "unexpected end of file" names the TOC entry or data block it happened in.
template <class Fn> auto with_context(const std::string& context, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const Located&) {
        throw;
    } catch (const Corrupt& e) {
        throw Corrupt(context + ": " + e.what());
    }
}

// Archive strings come from untrusted input: keep messages one line, printable, and short.
std::string printable(const std::string& s, std::size_t max_len = 120);

std::string plural(std::uint64_t n, const char* word); // "1 byte", "2 bytes"

} // namespace pds::verify::detail
