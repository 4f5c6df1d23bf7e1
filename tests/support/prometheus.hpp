// A strict parser of the Prometheus text exposition format (0.0.4), standing in for
// promtool, which is not available. It checks the metrics file of pg_dump-safe and the
// audit's and drill's --format=prometheus: anything node_exporter's textfile collector would
// reject, or that we never mean to write (timestamps, histogram/summary types, an empty
// file), throws.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pds::test {

struct PromSample {
    std::string name;
    std::map<std::string, std::string> labels; // unescaped values
    std::string value_text;                    // as written
    double value = 0;
};

struct PromFamily {
    std::string help, type;
};

struct PromDoc {
    std::map<std::string, PromFamily> families;
    std::vector<PromSample> samples;
    // The samples of `name` whose labels include all of `match`.
    std::vector<PromSample> find(const std::string& name,
                                 const std::map<std::string, std::string>& match = {}) const;
};

// Throws std::runtime_error("line N: ...") at the first violation.
PromDoc parse_prometheus(const std::string& text);

} // namespace pds::test
