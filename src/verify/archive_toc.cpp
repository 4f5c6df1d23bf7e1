#include "verify/archive_toc.hpp"

#include <cctype>
#include <cstdio>
#include <limits>

namespace pds::verify::detail {
namespace {

std::string where_left(const Reader& r) {
    return plural(r.remaining(), "byte") + " left before byte " + std::to_string(r.end());
}

// pg_dump's string: an int length (negative for NULL), then that many bytes. Keeps at most
// `keep` bytes in *out; returns the length, -1 for NULL.
std::int64_t read_str(Reader& r, const Header& h, const char* field, std::string* out,
                      std::size_t keep) {
    const std::int64_t len = with_context(field, [&] { return read_archive_int(r, h); });
    if (out)
        out->clear();
    if (len < 0)
        return -1;
    if (static_cast<std::uint64_t>(len) > r.remaining())
        throw_problem(std::string(field) + ": string of " + plural(len, "byte") + " at byte " +
                      std::to_string(r.pos()) + ", but only " + where_left(r));
    std::uint64_t rest = static_cast<std::uint64_t>(len);
    if (out && keep > 0) {
        const std::size_t take = rest < keep ? static_cast<std::size_t>(rest) : keep;
        out->resize(take);
        r.read(&(*out)[0], take);
        rest -= take;
    }
    r.skip(rest);
    return len;
}

// tableoid, oid and dependencies are decimal numbers stored as strings ("%u", "%d").
void read_number_str(Reader& r, const Header& h, const char* field, bool allow_null) {
    std::string s;
    const std::int64_t len = read_str(r, h, field, &s, 24);
    if (len < 0) {
        if (allow_null)
            return;
        throw_problem(std::string(field) + " is missing (NULL string)");
    }
    bool ok = len > 0 && len <= 11;
    for (char c : s)
        ok = ok && std::isdigit(static_cast<unsigned char>(c));
    if (!ok)
        throw_problem(std::string(field) + " \"" + printable(s, 24) + "\" is not a decimal number");
}

std::int64_t read_ranged_int(Reader& r, const Header& h, const char* field, std::int64_t lo,
                             std::int64_t hi) {
    const std::int64_t v = with_context(field, [&] { return read_archive_int(r, h); });
    if (v < lo || v > hi)
        throw_problem(std::string(field) + " " + std::to_string(v) + " is out of range (" +
                      std::to_string(lo) + " to " + std::to_string(hi) + ")");
    return v;
}

std::string qualified(const DataEntry& e) {
    const std::string tag = printable(e.tag, 100);
    return e.nspace.empty() ? tag : printable(e.nspace, 60) + "." + tag;
}

} // namespace

const char* codec_name(Codec c) {
    switch (c) {
    case Codec::None:
        return "none";
    case Codec::Zlib:
    case Codec::Gzip:
        return "gzip";
    case Codec::Lz4:
        return "lz4";
    case Codec::Zstd:
        return "zstd";
    }
    return "unknown";
}

std::string Header::version_string() const {
    return std::to_string(vmaj) + "." + std::to_string(vmin);
}

std::string DataEntry::label() const {
    std::string what;
    if (desc == "TABLE DATA")
        what = "table " + qualified(*this);
    else if (desc == "BLOBS")
        what = "large objects";
    else {
        for (char c : printable(desc, 40))
            what += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        what += " " + qualified(*this);
    }
    return what + " (dumpId " + std::to_string(dump_id) + ")";
}

std::int64_t read_archive_int(Reader& r, const Header& h) {
    if (r.remaining() < static_cast<std::uint64_t>(h.int_size) + 1)
        throw_problem("integer at byte " + std::to_string(r.pos()) +
                      " cut off by the end at byte " + std::to_string(r.end()));
    const std::uint8_t sign = r.byte();
    if (sign > 1)
        throw_problem("integer at byte " + std::to_string(r.pos() - 1) + " has sign byte " +
                      std::to_string(sign) + " (pg_dump writes 0 or 1)");
    std::uint64_t v = 0;
    for (int i = 0; i < h.int_size; ++i)
        v |= static_cast<std::uint64_t>(r.byte()) << (8 * i);
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw_problem("integer at byte " + std::to_string(r.pos() - h.int_size - 1) +
                      " is too large");
    const auto s = static_cast<std::int64_t>(v);
    return sign ? -s : s;
}

Header read_header(Reader& r, int expected_format) {
    Header h;
    char magic[5];
    if (r.remaining() < 5)
        throw_problem("header: file is too short for an archive header (" +
                      plural(r.remaining(), "byte") + ")");
    r.read(magic, 5);
    if (std::string(magic, 5) != "PGDMP")
        throw_problem("header: no \"PGDMP\" magic at the start");
    return with_context("header", [&] {
        h.vmaj = r.byte();
        h.vmin = r.byte();
        h.vrev = r.byte();
        h.version = archive_version(h.vmaj, h.vmin, h.vrev);
        if (h.version < kVers_1_10)
            throw_problem("archive version " + h.version_string() +
                          " is older than this verifier reads (1.10 to 1.16)");
        if (h.version > kVersMax)
            throw_problem(
                "archive version " + h.version_string() +
                " is newer than this verifier knows (1.10 to 1.16, pg_dump 12 to 18): "
                "upgrade pg_dump-safe, or dump with pg_dump 18 or older; the dump is kept "
                "unpublished");
        h.int_size = r.byte();
        h.off_size = r.byte();
        if (h.int_size < 1 || h.int_size > 8)
            throw_problem("implausible integer size " + std::to_string(h.int_size) +
                          " (pg_dump writes 4)");
        if (h.off_size < 1 || h.off_size > 16)
            throw_problem("implausible offset size " + std::to_string(h.off_size) +
                          " (pg_dump writes 8)");
        h.format = r.byte();
        if (h.format != expected_format)
            throw_problem(
                "format byte " + std::to_string(h.format) + ", expected " +
                std::to_string(expected_format) +
                (expected_format == kFormatCustom ? " (custom)" : " (tar/directory TOC)"));
        if (h.version >= kVers_1_15) {
            const int alg = r.byte(); // pg_compress_algorithm: none, gzip, lz4, zstd
            if (alg > 3)
                throw_problem("unknown compression algorithm " + std::to_string(alg));
            const Codec codecs[] = {Codec::None, Codec::Gzip, Codec::Lz4, Codec::Zstd};
            h.compression = codecs[alg];
        } else {
            const auto level = read_ranged_int(r, h, "compression level", -1, 9);
            h.compression = level == 0 ? Codec::None : Codec::Gzip;
        }
        const auto sec = read_ranged_int(r, h, "creation second", 0, 61);
        const auto min = read_ranged_int(r, h, "creation minute", 0, 59);
        const auto hour = read_ranged_int(r, h, "creation hour", 0, 23);
        const auto mday = read_ranged_int(r, h, "creation day", 1, 31);
        const auto mon = read_ranged_int(r, h, "creation month", 0, 11);
        const auto year = read_ranged_int(r, h, "creation year", 0, 8099);
        read_ranged_int(r, h, "creation isdst", -1, 1);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d",
                      static_cast<int>(year + 1900), static_cast<int>(mon + 1),
                      static_cast<int>(mday), static_cast<int>(hour), static_cast<int>(min),
                      static_cast<int>(sec));
        h.created = buf;
        read_str(r, h, "database name", &h.database, 256);
        read_str(r, h, "server version", &h.server_version, 256);
        read_str(r, h, "pg_dump version", &h.dump_version, 256);
        return h;
    });
}

namespace {

// pg_restore reads two entries before restoring anything and stops on a bad one
// (processEncodingEntry, processStdStringsEntry in pg_backup_archiver.c): ENCODING's quoted
// name must be an encoding PostgreSQL knows (pg_char_to_encoding: case and punctuation
// ignored, aliases accepted), STDSTRINGS's value must be on or off.
void check_setting_entry(const std::string& desc, const std::string& defn) {
    const std::size_t open = defn.find('\'');
    const std::size_t close = open == std::string::npos ? open : defn.find('\'', open + 1);
    if (close == std::string::npos)
        throw_problem("invalid " + desc + " item: " + printable(defn, 60));
    const std::string value = defn.substr(open + 1, close - open - 1);
    if (desc == "STDSTRINGS") {
        if (value != "on" && value != "off")
            throw_problem("invalid STDSTRINGS item: " + printable(defn, 60));
        return;
    }
    std::string clean;
    for (char c : value)
        if (std::isalnum(static_cast<unsigned char>(c)))
            clean += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    static const char* const known[] = {
        "abc",         "alt",         "big5",        "euccn",        "eucjis2004",  "eucjp",
        "euckr",       "euctw",       "gb18030",     "gbk",          "iso88591",    "iso885910",
        "iso885913",   "iso885914",   "iso885915",   "iso885916",    "iso88592",    "iso88593",
        "iso88594",    "iso88595",    "iso88596",    "iso88597",     "iso88598",    "iso88599",
        "johab",       "koi8",        "koi8r",       "koi8u",        "latin1",      "latin10",
        "latin2",      "latin3",      "latin4",      "latin5",       "latin6",      "latin7",
        "latin8",      "latin9",      "mskanji",     "muleinternal", "shiftjis",    "shiftjis2004",
        "sjis",        "sqlascii",    "tcvn",        "tcvn5712",     "uhc",         "unicode",
        "utf8",        "vscii",       "win",         "win1250",      "win1251",     "win1252",
        "win1253",     "win1254",     "win1255",     "win1256",      "win1257",     "win1258",
        "win866",      "win874",      "win932",      "win936",       "win949",      "win950",
        "windows1250", "windows1251", "windows1252", "windows1253",  "windows1254", "windows1255",
        "windows1256", "windows1257", "windows1258", "windows866",   "windows874",  "windows932",
        "windows936",  "windows949",  "windows950"};
    for (const char* k : known)
        if (clean == k)
            return;
    throw_problem("unrecognized encoding \"" + printable(value, 40) + "\" (pg_restore refuses it)");
}

void read_entry(Reader& r, const Header& h, TocExtra extra, std::string& where, Toc& toc) {
    DataEntry e;
    const auto id = read_ranged_int(r, h, "dumpId", 1, std::numeric_limits<std::int32_t>::max());
    e.dump_id = static_cast<std::int32_t>(id);
    where += " (dumpId " + std::to_string(id) + ")";
    const bool had_dumper = read_ranged_int(r, h, "hadDumper", 0, 1) == 1;
    read_number_str(r, h, "tableoid", false);
    read_number_str(r, h, "oid", false);
    read_str(r, h, "tag", &e.tag, had_dumper ? 200 : 0);
    if (read_str(r, h, "desc", &e.desc, 64) <= 0)
        throw_problem("entry has no description");
    where += " " + printable(e.desc, 40);
    if (h.version >= kVers_1_11)
        read_ranged_int(r, h, "section", 1, 4);
    const bool setting = e.desc == "ENCODING" || e.desc == "STDSTRINGS";
    std::string defn;
    read_str(r, h, "defn", setting ? &defn : nullptr, setting ? 200 : 0);
    if (setting)
        check_setting_entry(e.desc, defn);
    read_str(r, h, "dropStmt", nullptr, 0);
    constexpr std::size_t kCopyStmtKept = 64 * 1024;
    const std::int64_t copy_len =
        read_str(r, h, "copyStmt", had_dumper ? &e.copy_stmt : nullptr, kCopyStmtKept);
    e.copy = copy_len > 0;
    e.copy_stmt_whole = had_dumper && copy_len <= static_cast<std::int64_t>(kCopyStmtKept);
    read_str(r, h, "namespace", &e.nspace, had_dumper ? 100 : 0);
    read_str(r, h, "tablespace", nullptr, 0);
    if (h.version >= kVers_1_14)
        read_str(r, h, "tableam", nullptr, 0);
    if (h.version >= kVers_1_16)
        read_ranged_int(r, h, "relkind", 0, 255);
    read_str(r, h, "owner", nullptr, 0);
    std::string with_oids;
    read_str(r, h, "withOids", &with_oids, 8);
    if (with_oids != "false" && with_oids != "true")
        throw_problem("withOids field \"" + printable(with_oids) + "\" is neither true nor false");
    // Dependencies: decimal dumpId strings up to a NULL string. Each costs at least one int,
    // so the loop is bounded by the bytes left.
    for (;;) {
        std::string dep;
        if (read_str(r, h, "dependency", &dep, 24) < 0)
            break;
        bool ok = !dep.empty() && dep.size() <= 11;
        for (char c : dep)
            ok = ok && std::isdigit(static_cast<unsigned char>(c));
        if (!ok)
            throw_problem("dependency \"" + printable(dep, 24) + "\" is not a dumpId");
    }
    if (extra == TocExtra::DataOffset) {
        if (r.remaining() < static_cast<std::uint64_t>(h.off_size) + 1)
            throw_problem("data offset at byte " + std::to_string(r.pos()) +
                          " cut off by the end at byte " + std::to_string(r.end()));
        e.offset_state = r.byte();
        if (e.offset_state < kOffsetPosNotSet || e.offset_state > kOffsetNoData)
            throw_problem("unknown data offset flag " + std::to_string(e.offset_state));
        for (int i = 0; i < h.off_size; ++i) {
            const std::uint64_t b = r.byte();
            if (i < 8)
                e.offset |= b << (8 * i);
            else if (b != 0)
                throw_problem("data offset does not fit in 64 bits");
        }
        if (had_dumper != (e.offset_state != kOffsetNoData))
            throw_problem(had_dumper ? "entry has data but its offset flag says it has none"
                                     : "entry has no data but its offset flag says it has");
    } else {
        read_str(r, h, "file name", &e.filename, 256);
        if (had_dumper == e.filename.empty())
            throw_problem(had_dumper ? "entry has data but no file name"
                                     : "entry has no data but names file \"" +
                                           printable(e.filename) + "\"");
    }
    if (had_dumper)
        toc.data.push_back(std::move(e));
}

} // namespace

Toc read_toc(Reader& r, const Header& h, TocExtra extra) {
    Toc toc;
    const auto count = with_context("TOC", [&] {
        return read_ranged_int(r, h, "entry count", 0, std::numeric_limits<std::int32_t>::max());
    });
    // Every entry holds at least a dozen integers: a count beyond that is corruption, and
    // must not make us reserve memory for it.
    const std::uint64_t min_entry = 12 * (static_cast<std::uint64_t>(h.int_size) + 1);
    if (static_cast<std::uint64_t>(count) > r.remaining() / min_entry)
        throw_problem("TOC: entry count " + std::to_string(count) + " cannot fit in the " +
                      plural(r.remaining(), "byte") + " that follow");
    toc.entries = static_cast<std::uint64_t>(count);
    for (std::int64_t i = 0; i < count; ++i) {
        std::string where = "TOC entry " + std::to_string(i + 1) + " of " + std::to_string(count) +
                            " at byte " + std::to_string(r.pos());
        try {
            read_entry(r, h, extra, where, toc);
        } catch (const Corrupt& e) {
            throw Corrupt(where + ": " + e.what());
        }
    }
    return toc;
}

} // namespace pds::verify::detail
