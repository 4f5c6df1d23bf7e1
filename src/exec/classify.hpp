// Why pg_dump failed: its exit and stderr mapped to a Reason (src/failure/failure.hpp).
#pragma once

#include "failure/failure.hpp"

#include <string>

namespace pds::exec {

// Classify a failed pg_dump from its exit (exit code or terminating signal) and its stderr.
// `interrupted` is the signal pg_dump-safe itself received (0 if none): that wins.
Reason classify_pg_dump_failure(bool exited, int exit_code, int term_signal,
                                const std::string& stderr_text, int interrupted);

// The most telling line of pg_dump's stderr, for the FAILED line's detail= field.
std::string key_error_line(const std::string& stderr_text);

} // namespace pds::exec
