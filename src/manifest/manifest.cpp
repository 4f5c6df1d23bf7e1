#include "manifest/manifest.hpp"

#include "audit/json_reader.hpp"
#include "text/text.hpp"

#include <set>
#include <sstream>

namespace pds::manifest {
namespace {

constexpr int kRecordVersion = 1;
constexpr const char* kRecordName = "pg_dump-safe manifest";

std::string num(const std::optional<std::uint64_t>& v) {
    return v ? std::to_string(*v) : "null";
}

std::optional<std::uint64_t> opt_u64(const audit::JsonValue& o, const std::string& key) {
    const audit::JsonValue* v = o.find(key);
    if (!v || v->is_null())
        return std::nullopt;
    if (v->type != audit::JsonValue::Type::Number || v->text.empty() || v->text[0] == '-' ||
        v->text.find_first_not_of("0123456789") != std::string::npos)
        throw ManifestError("field " + key + " is not a non-negative integer");
    try {
        return std::stoull(v->text);
    } catch (const std::exception&) {
        throw ManifestError("field " + key + " is out of range");
    }
}

std::string str(const audit::JsonValue& o, const std::string& key) {
    const audit::JsonValue* v = o.find(key);
    if (!v || v->is_null())
        return "";
    if (v->type != audit::JsonValue::Type::String)
        throw ManifestError("field " + key + " is not a string");
    return v->text;
}

std::string percent(double share) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f%%", share * 100.0);
    return b;
}

// "a, b, c and 7 more": a WARNING line stays short whatever the number of tables.
std::string name_list(const std::vector<std::string>& names) {
    constexpr std::size_t kShown = 5;
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < kShown; ++i)
        out += (i ? ", " : "") + names[i];
    if (names.size() > kShown)
        out += " and " + std::to_string(names.size() - kShown) + " more";
    return out;
}

} // namespace

const char* measure_name(Measure m) {
    switch (m) {
    case Measure::Rows:
        return "rows";
    case Measure::Names:
        return "names";
    case Measure::None:
        break;
    }
    return "none";
}

std::optional<Measure> parse_measure(const std::string& s) {
    for (Measure m : {Measure::None, Measure::Names, Measure::Rows})
        if (s == measure_name(m))
            return m;
    return std::nullopt;
}

std::optional<std::uint64_t> Manifest::total_rows() const {
    if (measured != Measure::Rows)
        return std::nullopt;
    std::uint64_t n = 0;
    for (const TableEntry& t : tables)
        n += t.rows.value_or(0);
    return n;
}

std::string to_json(const Manifest& m) {
    std::ostringstream o;
    o << "{\"record\": " << text::json_string(kRecordName)
      << ", \"record_version\": " << kRecordVersion << ",\n"
      << " \"dump\": " << text::json_string(m.dump) << ", \"dump_bytes\": " << m.dump_bytes << ",\n"
      << " \"published\": " << text::json_string(text::iso8601_utc(m.published))
      << ", \"published_epoch\": " << static_cast<long long>(m.published) << ",\n"
      << " \"format\": " << text::json_string(m.format)
      << ", \"database\": " << text::json_string(m.database)
      << ", \"pg_dump_version\": " << text::json_string(m.pg_dump_version) << ",\n"
      << " \"verify\": " << text::json_string(m.verify)
      << ", \"measured\": " << text::json_string(measure_name(m.measured)) << ",\n"
      << " \"data_bytes\": " << num(m.data_bytes)
      << ", \"stored_data_bytes\": " << num(m.stored_data_bytes)
      << ", \"compression\": " << text::json_string(m.compression)
      << ", \"large_objects\": " << num(m.large_objects)
      << ", \"total_rows\": " << num(m.total_rows()) << ",\n"
      << " \"tables\": [";
    for (std::size_t i = 0; i < m.tables.size(); ++i) {
        const TableEntry& t = m.tables[i];
        o << (i ? ",\n  " : "\n  ") << "{\"name\": " << text::json_string(t.name)
          << ", \"rows\": " << num(t.rows) << ", \"bytes\": " << num(t.bytes) << "}";
    }
    o << (m.tables.empty() ? "]}\n" : "\n ]}\n");
    return o.str();
}

Manifest parse(const std::string& json) {
    audit::JsonValue v;
    try {
        v = audit::parse_json(json);
    } catch (const audit::JsonError& e) {
        throw ManifestError(std::string("not JSON: ") + e.what());
    }
    if (v.type != audit::JsonValue::Type::Object)
        throw ManifestError("not a JSON object");
    if (str(v, "record") != kRecordName)
        throw ManifestError("not a pg_dump-safe manifest");
    const std::optional<std::uint64_t> version = opt_u64(v, "record_version");
    if (!version || *version != kRecordVersion)
        throw ManifestError("record_version " + num(version) + " is not " +
                            std::to_string(kRecordVersion));
    Manifest m;
    m.dump = str(v, "dump");
    m.dump_bytes = opt_u64(v, "dump_bytes").value_or(0);
    m.published = static_cast<std::time_t>(opt_u64(v, "published_epoch").value_or(0));
    m.format = str(v, "format");
    m.database = str(v, "database");
    m.pg_dump_version = str(v, "pg_dump_version");
    m.verify = str(v, "verify");
    const std::optional<Measure> measured = parse_measure(str(v, "measured"));
    if (!measured)
        throw ManifestError("unknown value of measured");
    m.measured = *measured;
    m.data_bytes = opt_u64(v, "data_bytes");
    m.stored_data_bytes = opt_u64(v, "stored_data_bytes");
    m.compression = str(v, "compression");
    m.large_objects = opt_u64(v, "large_objects");
    const audit::JsonValue* tables = v.find("tables");
    if (!tables || tables->type != audit::JsonValue::Type::Array)
        throw ManifestError("tables is not an array");
    for (const audit::JsonValue& t : tables->items) {
        if (t.type != audit::JsonValue::Type::Object)
            throw ManifestError("a table is not an object");
        m.tables.push_back({str(t, "name"), opt_u64(t, "rows"), opt_u64(t, "bytes")});
    }
    return m;
}

std::string journal_json(const Manifest& m, const std::vector<Finding>& findings, double seconds,
                         const std::string& previous) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", seconds);
    std::ostringstream o;
    o << "{\"measured\":" << text::json_string(measure_name(m.measured))
      << ",\"tables\":" << m.tables.size() << ",\"rows\":" << num(m.total_rows())
      << ",\"data_bytes\":" << num(m.data_bytes)
      << ",\"stored_data_bytes\":" << num(m.stored_data_bytes) << ",\"seconds\":" << secs
      << ",\"previous\":" << (previous.empty() ? "null" : text::json_string(previous))
      << ",\"warnings\":[";
    for (std::size_t i = 0; i < findings.size(); ++i)
        o << (i ? "," : "") << text::json_string(check_name(findings[i].check));
    o << "]}";
    return o.str();
}

std::string manifest_path(const std::string& final_path) {
    std::string p = final_path;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    return p + ".manifest.json";
}

const char* check_name(Check c) {
    switch (c) {
    case Check::Shrink:
        return "shrink";
    case Check::EmptiedTables:
        return "emptied-tables";
    case Check::MissingTables:
        return "missing-tables";
    }
    return "shrink";
}

std::vector<Finding> compare(const Manifest& prev, const Manifest& cur,
                             unsigned max_shrink_percent) {
    std::vector<Finding> out;

    // 1. Total table data. COPY text bytes are comparable across formats and compression;
    // stored bytes only between dumps stored the same way.
    std::optional<std::uint64_t> before, after;
    const char* what = "table data (COPY text)";
    if (prev.data_bytes && cur.data_bytes) {
        before = prev.data_bytes;
        after = cur.data_bytes;
    } else if (prev.stored_data_bytes && cur.stored_data_bytes && prev.format == cur.format &&
               prev.compression == cur.compression) {
        before = prev.stored_data_bytes;
        after = cur.stored_data_bytes;
        what = "table data as stored in the archive";
    }
    if (before && after && *before > 0 && *after < *before) {
        const double fell = 1.0 - static_cast<double>(*after) / static_cast<double>(*before);
        if (fell * 100.0 > static_cast<double>(max_shrink_percent))
            out.push_back(
                {Check::Shrink, std::string(what) + " fell from " + std::to_string(*before) +
                                    " to " + std::to_string(*after) + " bytes (-" + percent(fell) +
                                    ", more than " + std::to_string(max_shrink_percent) + "%)"});
    }

    // 2. and 3. Tables, when both sides measured them the same way.
    if (prev.measured != cur.measured || cur.measured == Measure::None)
        return out;
    std::set<std::string> now;
    std::vector<std::string> emptied, missing;
    for (const TableEntry& t : cur.tables)
        now.insert(t.name);
    for (const TableEntry& p : prev.tables) {
        if (!now.count(p.name)) {
            missing.push_back(p.name);
            continue;
        }
        if (cur.measured != Measure::Rows || p.rows.value_or(0) == 0)
            continue;
        for (const TableEntry& c : cur.tables)
            if (c.name == p.name && c.rows && *c.rows == 0) {
                emptied.push_back(p.name + " (" + std::to_string(*p.rows) + " rows before)");
                break;
            }
    }
    if (!emptied.empty())
        out.push_back({Check::EmptiedTables,
                       std::to_string(emptied.size()) +
                           " table(s) that held rows now hold none: " + name_list(emptied)});
    if (!missing.empty())
        out.push_back({Check::MissingTables,
                       std::to_string(missing.size()) +
                           " table(s) of the previous dump are gone: " + name_list(missing)});
    return out;
}

} // namespace pds::manifest
