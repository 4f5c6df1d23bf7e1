// A strict JSON (RFC 8259) parser for checking what we write: any deviation throws.
// Strings must be valid UTF-8 with no raw control characters; \u escapes are decoded to
// UTF-8 (surrogate pairs combined, lone surrogates rejected).
#pragma once

#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::test {

struct Json {
    enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<Json> arr;
    std::map<std::string, Json> obj;
    std::vector<std::string> keys; // in document order

    const Json& at(const std::string& k) const {
        const auto it = obj.find(k);
        if (kind != Object || it == obj.end())
            throw std::runtime_error("no key " + k);
        return it->second;
    }
};

class StrictJson {
public:
    static Json parse(const std::string& text) {
        StrictJson p(text);
        p.ws();
        Json v = p.value();
        p.ws();
        if (p.i_ != text.size())
            p.fail("trailing characters");
        return v;
    }

private:
    explicit StrictJson(const std::string& s) : s_(s) {}
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(i_));
    }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void expect(char c) {
        if (peek() != c)
            fail(std::string("expected '") + c + "'");
        ++i_;
    }
    void ws() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }
    void literal(const char* word) {
        for (const char* c = word; *c; ++c)
            expect(*c);
    }
    Json value() {
        Json v;
        switch (peek()) {
        case '{':
            return object();
        case '[':
            return array();
        case '"':
            v.kind = Json::String, v.str = string();
            return v;
        case 't':
            literal("true"), v.kind = Json::Bool, v.b = true;
            return v;
        case 'f':
            literal("false"), v.kind = Json::Bool;
            return v;
        case 'n':
            literal("null");
            return v;
        default:
            return number();
        }
    }
    Json object() {
        Json v;
        v.kind = Json::Object;
        expect('{');
        ws();
        if (peek() == '}')
            return ++i_, v;
        for (;;) {
            ws();
            std::string k = string();
            if (v.obj.count(k))
                fail("duplicate key " + k);
            ws();
            expect(':');
            ws();
            v.obj[k] = value();
            v.keys.push_back(k);
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect('}');
            return v;
        }
    }
    Json array() {
        Json v;
        v.kind = Json::Array;
        expect('[');
        ws();
        if (peek() == ']')
            return ++i_, v;
        for (;;) {
            ws();
            v.arr.push_back(value());
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect(']');
            return v;
        }
    }
    Json number() {
        const std::size_t start = i_;
        auto digits = [&] {
            const std::size_t d = i_;
            while (peek() >= '0' && peek() <= '9')
                ++i_;
            if (i_ == d)
                fail("digit expected");
        };
        if (peek() == '-')
            ++i_;
        if (peek() == '0')
            ++i_;
        else
            digits();
        if (peek() == '.')
            ++i_, digits();
        if (peek() == 'e' || peek() == 'E') {
            ++i_;
            if (peek() == '+' || peek() == '-')
                ++i_;
            digits();
        }
        Json v;
        v.kind = Json::Number;
        v.num = std::strtod(s_.substr(start, i_ - start).c_str(), nullptr);
        return v;
    }
    unsigned hex4() {
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = peek();
            ++i_;
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<unsigned>(c - 'A' + 10);
            else
                fail("bad \\u escape");
        }
        return v;
    }
    static void utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    // Length of the valid UTF-8 sequence at i_, independent of the library's validator.
    std::size_t utf8_len() const {
        const auto b = [&](std::size_t k) {
            return i_ + k < s_.size() ? static_cast<unsigned char>(s_[i_ + k]) : 0u;
        };
        const unsigned c = b(0);
        const auto cont = [&](std::size_t k) { return (b(k) & 0xC0u) == 0x80u; };
        std::size_t n = 0;
        unsigned cp = 0;
        if (c < 0x80)
            return 1;
        if ((c & 0xE0) == 0xC0)
            n = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            n = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            n = 4, cp = c & 0x07;
        else
            return 0;
        for (std::size_t k = 1; k < n; ++k) {
            if (!cont(k))
                return 0;
            cp = (cp << 6) | (b(k) & 0x3F);
        }
        const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        return n;
    }
    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (i_ >= s_.size())
                fail("unterminated string");
            const unsigned char c = static_cast<unsigned char>(s_[i_]);
            if (c == '"') {
                ++i_;
                return out;
            }
            if (c < 0x20)
                fail("raw control character in string");
            if (c == '\\') {
                ++i_;
                const char e = peek();
                ++i_;
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
                    if (cp >= 0xDC00 && cp <= 0xDFFF)
                        fail("lone low surrogate");
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        literal("\\u");
                        const unsigned lo = hex4();
                        if (lo < 0xDC00 || lo > 0xDFFF)
                            fail("bad surrogate pair");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    utf8(out, cp);
                    break;
                }
                default:
                    fail("bad escape");
                }
                continue;
            }
            const std::size_t n = utf8_len();
            if (n == 0)
                fail("invalid UTF-8");
            out.append(s_, i_, n);
            i_ += n;
        }
    }

    const std::string& s_;
    std::size_t i_ = 0;
};

} // namespace pds::test
