#include "restore/sql_scan.hpp"

#include <cstring>

namespace pds::restore {
namespace {

// Statements we look at are short; a longer line (a lowrite of a large object's bytes, a
// function body) is only counted, its first bytes kept for the prefix checks. A COPY
// statement is kept whole up to kCopyKeep: a wide table's column list is long (1,600 columns
// of 63-byte quoted names make about 105 KB), and its rows must not be taken for statements.
constexpr std::size_t kKeep = 4096;
constexpr std::size_t kCopyKeep = 256 * 1024;

// How much of the current line to keep: its first bytes are `pending`, then `data`.
std::size_t keep_limit(const std::string& pending, const char* data, std::size_t len) {
    static const char kCopy[] = "COPY ";
    for (std::size_t i = 0; i < 5; ++i) {
        const std::size_t j = i - pending.size();
        const char c = i < pending.size() ? pending[i] : j < len ? data[j] : '\0';
        if (c != kCopy[i])
            return kKeep;
    }
    return kCopyKeep;
}

bool starts_with(const std::string& s, const char* prefix) {
    return s.compare(0, std::strlen(prefix), prefix) == 0;
}

bool ends_with(const std::string& s, const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

std::size_t ident_length(const std::string& s, std::size_t pos) {
    if (pos >= s.size())
        return 0;
    if (s[pos] == '"') {
        for (std::size_t i = pos + 1; i < s.size(); ++i) {
            if (s[i] != '"')
                continue;
            if (i + 1 < s.size() && s[i + 1] == '"') {
                ++i;
                continue;
            }
            return i - pos + 1 > 2 ? i - pos + 1 : 0; // "" is not a name
        }
        return 0;
    }
    std::size_t i = pos;
    auto lower = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
    if (!lower(s[i]))
        return 0;
    while (i < s.size() && (lower(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '$'))
        ++i;
    return i - pos;
}

// The text of a single-quoted SQL literal starting at s[pos] (after the quote), '' undone.
std::optional<std::string> literal(const std::string& s, std::size_t pos, std::size_t& end) {
    std::string out;
    for (std::size_t i = pos; i < s.size(); ++i) {
        if (s[i] != '\'') {
            out += s[i];
            continue;
        }
        if (i + 1 < s.size() && s[i + 1] == '\'') {
            out += '\'';
            ++i;
            continue;
        }
        end = i + 1;
        return out;
    }
    return std::nullopt;
}

} // namespace

std::size_t qualified_name_length(const std::string& s, std::size_t pos) {
    const std::size_t first = ident_length(s, pos);
    if (first == 0)
        return 0;
    if (pos + first < s.size() && s[pos + first] == '.') {
        const std::size_t second = ident_length(s, pos + first + 1);
        return second == 0 ? 0 : first + 1 + second;
    }
    return first;
}

void SqlScanner::feed(const char* data, std::size_t n) {
    while (n > 0) {
        const char* nl = static_cast<const char*>(std::memchr(data, '\n', n));
        const std::size_t len = nl ? static_cast<std::size_t>(nl - data) : n;
        if (in_copy_ && pending_len_ == 0 && nl) {
            // The hot path: a whole row inside a COPY block.
            ++c_.lines;
            if (len == 2 && data[0] == '\\' && data[1] == '.') {
                after_copy_ = in_copy_;
                in_copy_.reset();
            } else {
                ++c_.tables[*in_copy_].rows;
                c_.tables[*in_copy_].bytes += len + 1;
                c_.copy_bytes += len + 1;
            }
            data += len + 1;
            n -= len + 1;
            continue;
        }
        const std::size_t limit = keep_limit(pending_, data, len);
        if (pending_.size() < limit)
            pending_.append(data, len < limit - pending_.size() ? len : limit - pending_.size());
        pending_len_ += len;
        if (!nl)
            return;
        ++c_.lines;
        line(pending_, pending_len_);
        pending_.clear();
        pending_len_ = 0;
        data += len + 1;
        n -= len + 1;
    }
}

void SqlScanner::finish() {
    if (pending_len_ > 0) {
        if (in_copy_)
            throw ScanError("the text ends inside the data of table " + c_.tables[*in_copy_].name +
                            " (no \\. line)");
        line(pending_, pending_len_);
        pending_.clear();
        pending_len_ = 0;
    }
    if (in_copy_)
        throw ScanError("the text ends inside the data of table " + c_.tables[*in_copy_].name +
                        " (no \\. line)");
}

bool SqlScanner::add_copy_block(const std::string& copy_stmt, std::uint64_t rows,
                                std::uint64_t bytes) {
    if (in_copy_ || pending_len_ > 0)
        throw ScanError("a counted COPY block cannot be added inside the text");
    std::string s = copy_stmt;
    if (!s.empty() && s.back() == '\n')
        s.pop_back();
    if (!starts_with(s, "COPY ") || !ends_with(s, " FROM stdin;"))
        return false;
    statement(s); // sets in_copy_, or throws ScanError
    TableCount& t = c_.tables[*in_copy_];
    in_copy_.reset();
    after_copy_.reset();
    t.rows += rows;
    t.bytes += bytes;
    c_.copy_bytes += bytes;
    c_.lines += rows + 2; // the statement and the "\." line
    return true;
}

void SqlScanner::line(const std::string& text, std::size_t full_length) {
    if (in_copy_) {
        if (full_length == 2 && text == "\\.") {
            after_copy_ = in_copy_;
            in_copy_.reset();
        } else {
            ++c_.tables[*in_copy_].rows;
            c_.tables[*in_copy_].bytes += full_length + 1;
            c_.copy_bytes += full_length + 1;
        }
        return;
    }
    if (after_copy_) {
        // pg_dump ends each table's data with "\.\n\n\n" and the archiver starts the next
        // entry with a "--" comment header, so anything else here is more data of the same
        // entry behind a premature end-of-data marker. COPY FROM STDIN stops at the marker
        // and silently ignores the rest (PostgreSQL 17 and older): those rows count as the
        // dump's, so the comparison shows them missing.
        if (full_length == 0)
            return;
        if (full_length == 2 && text == "\\.")
            return; // the entry's own terminator, after the premature one
        if (text.compare(0, 2, "--") != 0) {
            ++c_.tables[*after_copy_].rows;
            ++c_.tables[*after_copy_].rows_after_marker;
            c_.tables[*after_copy_].bytes += full_length + 1;
            c_.copy_bytes += full_length + 1;
            return;
        }
        after_copy_.reset();
    }
    if (full_length <= kKeep || full_length == text.size())
        statement(text);
}

void SqlScanner::statement(const std::string& s) {
    if (starts_with(s, "COPY ") && ends_with(s, " FROM stdin;")) {
        const std::size_t len = qualified_name_length(s, 5);
        if (len == 0)
            throw ScanError("cannot read the table name of: " + s.substr(0, 200));
        const std::size_t after = 5 + len;
        if (s.compare(after, std::string::npos, " FROM stdin;") != 0 &&
            s.compare(after, 2, " (") != 0)
            throw ScanError("cannot read the table name of: " + s.substr(0, 200));
        const std::string name = s.substr(5, len);
        auto it = table_index_.find(name);
        if (it == table_index_.end()) {
            it = table_index_.emplace(name, c_.tables.size()).first;
            c_.tables.push_back(TableCount{name, 0, 0});
        }
        ++c_.tables[it->second].copy_blocks;
        in_copy_ = it->second;
        return;
    }
    static const char* const kLo[] = {"SELECT pg_catalog.lo_open('",
                                      "SELECT pg_catalog.lo_create('"};
    for (const char* p : kLo) {
        if (!starts_with(s, p))
            continue;
        const std::size_t at = std::strlen(p);
        const std::size_t q = s.find('\'', at);
        if (q == std::string::npos || q == at || q - at > 10)
            throw ScanError("cannot read the large object OID of: " + s.substr(0, 200));
        const unsigned long long oid = std::stoull(s.substr(at, q - at));
        if (oid > 0xFFFFFFFFull || s.find_first_not_of("0123456789", at) != q)
            throw ScanError("cannot read the large object OID of: " + s.substr(0, 200));
        c_.large_objects.insert(static_cast<std::uint32_t>(oid));
        return;
    }
    if (starts_with(s, "SELECT pg_catalog.setval('")) {
        std::size_t end = 0;
        const auto name = literal(s, 26, end);
        // setval('public.s', 42, true);
        const std::size_t comma = name ? s.find(", ", end) : std::string::npos;
        const std::size_t comma2 = comma == std::string::npos ? comma : s.find(", ", comma + 2);
        if (!name || qualified_name_length(*name) != name->size() || end >= s.size() ||
            s[end] != ',' || comma != end || comma2 == std::string::npos || !ends_with(s, ");"))
            throw ScanError("cannot read the sequence value of: " + s.substr(0, 200));
        SequenceValue v;
        v.name = *name;
        v.value = s.substr(comma + 2, comma2 - comma - 2);
        const std::string called = s.substr(comma2 + 2, s.size() - comma2 - 4);
        if (v.value.empty() || v.value.find_first_not_of("-0123456789") != std::string::npos ||
            (called != "true" && called != "false"))
            throw ScanError("cannot read the sequence value of: " + s.substr(0, 200));
        v.is_called = called == "true";
        auto it = seq_index_.find(v.name);
        if (it == seq_index_.end()) {
            seq_index_.emplace(v.name, c_.sequences.size());
            c_.sequences.push_back(v);
        } else {
            c_.sequences[it->second] = v;
        }
        return;
    }
    if (starts_with(s, "SET client_encoding = '")) {
        std::size_t end = 0;
        if (auto enc = literal(s, 23, end))
            c_.client_encoding = *enc;
        return;
    }
    if (starts_with(s, "CREATE DATABASE ")) {
        c_.creates_database = true;
        return;
    }
    // Roles: "ALTER ... OWNER TO r;", "GRANT ... TO r[ WITH GRANT OPTION];",
    // "REVOKE ... FROM r;", "ALTER DEFAULT PRIVILEGES FOR ROLE r ...".
    auto role_at = [&](std::size_t pos) {
        const std::size_t len = ident_length(s, pos);
        if (len > 0)
            c_.roles.insert(s.substr(pos, len));
    };
    if (starts_with(s, "ALTER DEFAULT PRIVILEGES FOR ROLE ")) {
        role_at(34);
        return;
    }
    if (!ends_with(s, ";"))
        return;
    const char* marker = nullptr;
    if (starts_with(s, "ALTER "))
        marker = " OWNER TO ";
    else if (starts_with(s, "GRANT "))
        marker = " TO ";
    else if (starts_with(s, "REVOKE "))
        marker = " FROM ";
    if (!marker)
        return;
    const std::size_t at = s.rfind(marker);
    if (at != std::string::npos)
        role_at(at + std::strlen(marker));
}

} // namespace pds::restore
