// What a dump says it holds, read from its SQL text: the text of a plain dump, or what
// `pg_restore -f -` prints for an archive (the same text pg_restore would send to a server).
// Counted as the text streams past, never buffered whole:
//   - rows of each COPY ... FROM stdin; block (one line per row in pg_dump's text COPY
//     format; the block ends at the line "\.")
//   - large objects: distinct OIDs of lo_create / lo_open calls
//   - sequences: the value and is_called of each setval call
//   - the client encoding, the roles named by OWNER TO / GRANT / REVOKE (so a throwaway
//     cluster can create them), and whether a plain dump creates its own database (--create)
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::restore {

struct TableCount {
    std::string name; // qualified name as pg_dump wrote it: public."Mixed Case"
    std::uint64_t rows = 0;
    std::uint64_t bytes = 0;             // bytes of its COPY rows, newlines included
    std::uint64_t copy_blocks = 0;       // COPY blocks into this table (more than one: partitions
                                         // loaded via their root)
    std::uint64_t rows_after_marker = 0; // rows behind a premature "\." line
};

struct SequenceValue {
    std::string name; // qualified name as SQL text: public.s_id_seq
    std::string value;
    bool is_called = true;
};

struct DumpContent {
    std::vector<TableCount> tables; // in order of first appearance
    std::set<std::uint32_t> large_objects;
    std::vector<SequenceValue> sequences; // the last setval of each name
    std::string client_encoding;
    std::set<std::string> roles; // quoted-as-needed identifiers
    bool creates_database = false;
    std::uint64_t copy_bytes = 0; // bytes of COPY rows (the table data as text)
    std::uint64_t lines = 0;
};

// The text cannot be read as pg_dump output (a COPY block that never ends, a name we cannot
// parse); the drill fails closed.
struct ScanError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class SqlScanner {
public:
    void feed(const char* data, std::size_t n);
    // Throws ScanError if the text ended inside a COPY block.
    void finish();
    const DumpContent& content() const { return c_; }
    // A COPY block whose rows were counted elsewhere (verify::DataCounts, counted while the
    // verifier decompressed the data): `copy_stmt` is the archive's TOC entry statement
    // ("COPY public.t (a) FROM stdin;\n"), read as the line pg_restore prints before the
    // rows, then `rows` rows of `bytes` bytes are added to its table. False (nothing added)
    // when it is not a "COPY ... FROM stdin;" line; throws ScanError as feed() would for a
    // table name it cannot read. Only between blocks, never inside fed text.
    bool add_copy_block(const std::string& copy_stmt, std::uint64_t rows, std::uint64_t bytes);

private:
    void line(const std::string& text, std::size_t full_length);
    void statement(const std::string& text);
    DumpContent c_;
    std::map<std::string, std::size_t> table_index_;
    std::map<std::string, std::size_t> seq_index_;
    std::string pending_;                   // the current line's first bytes (bounded)
    std::size_t pending_len_ = 0;           // the current line's full length so far
    std::optional<std::size_t> in_copy_;    // index into c_.tables
    std::optional<std::size_t> after_copy_; // the block just ended; until the next "--" line
};

// A qualified SQL name as pg_dump writes it (ident or "quoted ident", optionally
// schema-qualified) at the start of s; returns its length, 0 if s does not start with one.
// Only such names are ever put into the queries the drill runs.
std::size_t qualified_name_length(const std::string& s, std::size_t pos = 0);

} // namespace pds::restore
