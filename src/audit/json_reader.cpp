#include "audit/json_reader.hpp"

#include "text/text.hpp"

#include <cstdlib>

namespace pds::audit {
namespace {

class Parser {
public:
    Parser(const std::string& s, bool strict) : s_(s), strict_(strict) {}

    JsonValue document() {
        JsonValue v = value(0);
        skip_ws();
        if (pos_ != s_.size())
            syntax_error("trailing characters after the document");
        return v;
    }

private:
    const std::string& s_;
    const bool strict_;
    std::size_t pos_ = 0;

    [[noreturn]] void syntax_error(const std::string& what) const {
        throw JsonError("JSON error at byte " + std::to_string(pos_) + ": " + what);
    }
    void skip_ws() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    bool consume(const char* word) {
        std::string w(word);
        if (s_.compare(pos_, w.size(), w) != 0)
            return false;
        pos_ += w.size();
        return true;
    }

    JsonValue value(int depth) {
        if (depth > 64)
            syntax_error("nested too deeply");
        skip_ws();
        if (pos_ >= s_.size())
            syntax_error("unexpected end of input");
        JsonValue v;
        char c = s_[pos_];
        if (c == '{') {
            v.type = JsonValue::Type::Object;
            ++pos_;
            skip_ws();
            if (pos_ < s_.size() && s_[pos_] == '}') {
                ++pos_;
                return v;
            }
            for (;;) {
                skip_ws();
                if (pos_ >= s_.size() || s_[pos_] != '"')
                    syntax_error("expected a string key");
                std::string key = string();
                if (strict_ && v.find(key))
                    syntax_error("duplicate key \"" + key + "\"");
                skip_ws();
                if (pos_ >= s_.size() || s_[pos_] != ':')
                    syntax_error("expected ':'");
                ++pos_;
                v.members.emplace_back(std::move(key), value(depth + 1));
                skip_ws();
                if (pos_ < s_.size() && s_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (pos_ < s_.size() && s_[pos_] == '}') {
                    ++pos_;
                    return v;
                }
                syntax_error("expected ',' or '}'");
            }
        }
        if (c == '[') {
            v.type = JsonValue::Type::Array;
            ++pos_;
            skip_ws();
            if (pos_ < s_.size() && s_[pos_] == ']') {
                ++pos_;
                return v;
            }
            for (;;) {
                v.items.push_back(value(depth + 1));
                skip_ws();
                if (pos_ < s_.size() && s_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (pos_ < s_.size() && s_[pos_] == ']') {
                    ++pos_;
                    return v;
                }
                syntax_error("expected ',' or ']'");
            }
        }
        if (c == '"') {
            v.type = JsonValue::Type::String;
            v.text = string();
            return v;
        }
        if (consume("true")) {
            v.type = JsonValue::Type::Bool;
            v.boolean = true;
            return v;
        }
        if (consume("false")) {
            v.type = JsonValue::Type::Bool;
            return v;
        }
        if (consume("null"))
            return v;
        v.type = JsonValue::Type::Number;
        v.text = number();
        return v;
    }

    std::string number() {
        std::size_t start = pos_;
        auto digits = [&] {
            std::size_t b = pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9')
                ++pos_;
            return pos_ - b;
        };
        if (pos_ < s_.size() && s_[pos_] == '-')
            ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '0')
            ++pos_;
        else if (digits() == 0)
            syntax_error("invalid value");
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (digits() == 0)
                syntax_error("digits expected after '.'");
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-'))
                ++pos_;
            if (digits() == 0)
                syntax_error("digits expected in exponent");
        }
        return s_.substr(start, pos_ - start);
    }

    unsigned hex4() {
        if (pos_ + 4 > s_.size())
            syntax_error("truncated \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            char c = s_[pos_++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<unsigned>(c - 'A' + 10);
            else
                syntax_error("bad hex digit in \\u escape");
        }
        return v;
    }

    static void put_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::string string() {
        ++pos_; // opening quote
        std::string out;
        for (;;) {
            if (pos_ >= s_.size())
                syntax_error("unterminated string");
            auto c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20)
                syntax_error("unescaped control character in string");
            if (c != '\\') {
                const std::size_t n = strict_ ? text::utf8_sequence_length(s_, pos_) : 1;
                if (n == 0)
                    syntax_error("invalid UTF-8 in string");
                out.append(s_, pos_, n);
                pos_ += n;
                continue;
            }
            ++pos_;
            if (pos_ >= s_.size())
                syntax_error("unterminated escape");
            char e = s_[pos_++];
            switch (e) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xd800 && cp < 0xdc00) {
                    if (!consume("\\u"))
                        syntax_error("lone high surrogate");
                    unsigned lo = hex4();
                    if (lo < 0xdc00 || lo > 0xdfff)
                        syntax_error("bad low surrogate");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp < 0xe000) {
                    syntax_error("lone low surrogate");
                }
                put_utf8(out, cp);
                break;
            }
            default:
                syntax_error(std::string("bad escape \\") + e);
            }
        }
    }
};

} // namespace

const JsonValue* JsonValue::find(const std::string& key) const {
    for (const auto& m : members)
        if (m.first == key)
            return &m.second;
    return nullptr;
}

const JsonValue& JsonValue::at(const std::string& key) const {
    if (type != Type::Object)
        throw std::out_of_range("JSON: not an object when looking up \"" + key + "\"");
    if (const JsonValue* v = find(key))
        return *v;
    throw std::out_of_range("JSON: no member \"" + key + "\"");
}

long long JsonValue::as_int() const {
    if (type != Type::Number)
        throw std::out_of_range("JSON: not a number");
    return std::strtoll(text.c_str(), nullptr, 10);
}

double JsonValue::as_double() const {
    if (type != Type::Number)
        throw std::out_of_range("JSON: not a number");
    return std::strtod(text.c_str(), nullptr);
}

std::string JsonValue::scalar_text() const {
    switch (type) {
    case Type::Null:
        return "null";
    case Type::Bool:
        return boolean ? "true" : "false";
    case Type::Number:
    case Type::String:
        return text;
    default:
        return "";
    }
}

JsonValue parse_json(const std::string& text) {
    return Parser(text, false).document();
}

JsonValue parse_json_strict(const std::string& text) {
    return Parser(text, true).document();
}

} // namespace pds::audit
