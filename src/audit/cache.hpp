// The verification cache: a verdict is reused while the file's device, inode, size and
// mtime (nanoseconds) are unchanged, so a periodic audit of large roots reads only what is
// new. One line per file; written atomically and only when something changed.
#pragma once

#include "audit/scan.hpp"
#include "verify/verify.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pds::audit {

class VerifyCache {
public:
    // Reads the cache file. A missing file is an empty cache; an unreadable or foreign file
    // is ignored (it is rewritten on save) and reported through warning.
    void load(const std::string& file, std::string& warning);

    // A verdict reached at level `level` or at a stricter one answers a looser request when
    // it is good, a looser one answers a stricter request when it is bad.
    std::optional<verify::Verdict> lookup(const std::string& path, const FileId& id,
                                          verify::Level level) const;
    void store(const std::string& path, const FileId& id, verify::Level level,
               const verify::Verdict& v);
    // Entries under the audited roots that were not looked up or stored this run are gone
    // from disk: they are dropped. Entries of other roots stay.
    void forget_unseen_under(const std::vector<std::string>& roots);
    bool dirty() const { return dirty_; }
    // Throws std::runtime_error naming the path and errno text.
    void save(const std::string& file) const;

    // Exposed for tests.
    std::size_t size() const { return entries_.size(); }

private:
    struct Entry {
        FileId id;
        verify::Level level = verify::Level::Structure;
        verify::Verdict verdict;
        mutable bool seen = false;
    };
    std::unordered_map<std::string, Entry> entries_;
    bool dirty_ = false;
};

} // namespace pds::audit
