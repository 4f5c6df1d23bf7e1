// Measuring what a dump holds for its manifest (src/manifest), with the drill's own counting
// (restore/sql_scan.hpp): pg_dump-safe calls this on the verified partial before publishing.
//   rows   (full, restore): `pg_restore --data-only -f -` of an archive, or a plain dump's
//          text (decompressed when compressed as a whole), streamed through SqlScanner
//   names  (toc, structure; archives): the TABLE DATA entries `pg_restore -l` lists
#pragma once

#include "manifest/manifest.hpp"
#include "verify/verify.hpp"

#include <stdexcept>
#include <string>

namespace pds::restore {

struct ContentError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ContentRequest {
    std::string dump;         // the partial (file or directory)
    verify::ArchiveInfo info; // from the verifier's ok verdict
    bool count_rows = false;  // rows (full, restore) or names (toc, structure)
    std::string pg_restore;
    std::string toc_listing; // pg_restore -l's output if the caller has it (names: not run again)
};

// Fills measured, tables, data_bytes, stored_data_bytes, compression, large_objects, format,
// database and pg_dump_version (not dump, dump_bytes, published, verify). Throws
// ContentError naming pg_restore's failure or the text that cannot be read; an interruption
// (SIGINT/SIGTERM/SIGHUP caught by exec::SignalForwarding) stops pg_restore and throws too.
manifest::Manifest measure_content(const ContentRequest& req);

// --safe-verify=restore: the drill (restore/drill.hpp, throwaway cluster in the partial's
// directory) on the partial before it is published. Empty when it passed; otherwise why not,
// starting "restore drill failed: " (the dump does not restore or differs) or "restore drill
// could not run: " (no server installation, initdb failed, interrupted). No record is written.
std::string drill_partial(const std::string& partial, double* seconds = nullptr);

// The table list of `pg_restore -l` output: "schema.tag" of each TABLE DATA line.
std::vector<std::string> table_data_entries(const std::string& listing);

} // namespace pds::restore
