#pragma once
// Run-time values of the evaluator and the arena that holds computed ones.
//
// A value is 24 bytes and trivially copyable. Texts and lists are views: a text points into the
// JSON parser's string buffer (record fields), into the compiled set (literals) or into the
// evaluator's arena (computed texts); a list points at an array of values held by the arena or the
// compiled set. Everything a value points at lives at least until the evaluator starts the next
// record, which is as long as a value may be kept.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "text.hpp"

namespace vigil::eval {

/// Kinds of run-time values. `unknown` is an absent field, a JSON null in the record, a value the
/// record's schema does not allow (value::disallowed), or the result of an operation that could
/// not be carried out; `null` only comes from the `null` literal.
enum class kind : std::uint8_t { unknown, null, boolean, number, text, list, object };

/// Name of a kind as shown in run-time error notes: "unknown", "null", "condition", "number",
/// "text", "list", "object".
[[nodiscard]] std::string_view kind_name(kind k);
/// The same with an article: "a text", "an object", ...
[[nodiscard]] std::string_view kind_name_a(kind k);

struct value {
    kind k = kind::unknown;
    bool flag = false;       // the boolean
    std::uint32_t size = 0;  // bytes of a text, elements of a list, fields of a projected object
    union {
        double number;
        const char* text;
        const value* items;  // list elements, or an object's projected fields (schema order)
    };
    // An object's `items` is preceded by one header value whose `text` is the first byte (`{`) of
    // the object's JSON text in the record; see object_of() and raw(). This keeps a value at 16
    // bytes, so it is passed and returned in registers.

    value() : number(0) {}

    static value unknown() { return {}; }
    /// Unknown because the record gives a value its declared schema does not allow: the
    /// projector's disallowed value number `index`. Rules see it as unknown, except that
    /// `exists`, `missing` and `default` do not take it for absent.
    static value disallowed(std::uint32_t index) {
        value v;
        v.flag = true;
        v.size = index;
        return v;
    }
    static value null() {
        value v;
        v.k = kind::null;
        return v;
    }
    static value boolean(bool b) {
        value v;
        v.k = kind::boolean;
        v.flag = b;
        return v;
    }
    static value num(double d) {
        value v;
        v.k = kind::number;
        v.number = d;
        return v;
    }
    static value str(std::string_view s) {
        value v;
        v.k = kind::text;
        v.text = s.data();
        v.size = static_cast<std::uint32_t>(s.size());
        return v;
    }
    static value list_of(const value* items, std::uint32_t n) {
        value v;
        v.k = kind::list;
        v.items = items;
        v.size = n;
        return v;
    }
    /// `block` holds n + 1 values: the header, then the n fields; the header gets `raw`.
    static value object_of(value* block, std::uint32_t n, const char* raw) {
        block[0] = value{};
        block[0].text = raw;
        value v;
        v.k = kind::object;
        v.items = block + 1;
        v.size = n;
        return v;
    }

    [[nodiscard]] bool known() const { return k != kind::unknown; }
    [[nodiscard]] bool is_disallowed() const { return k == kind::unknown && flag; }
    [[nodiscard]] std::string_view sv() const { return {text, size}; }
    /// An object's JSON text starts here.
    [[nodiscard]] const char* raw() const { return items[-1].text; }
};
static_assert(sizeof(value) == 16);
static_assert(std::is_trivially_copyable_v<value>);

/// A bump allocator for the values computed while evaluating one record. reset() keeps the memory,
/// so after the first few records evaluating allocates nothing.
class arena {
public:
    arena() = default;
    arena(const arena&) = delete;
    arena& operator=(const arena&) = delete;
    arena(arena&&) noexcept = default;
    arena& operator=(arena&&) noexcept = default;

    [[nodiscard]] void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
        std::size_t at = (m_offset + align - 1) & ~(align - 1);
        if (m_current < m_blocks.size() && at + bytes <= m_blocks[m_current].size) {
            m_offset = at + bytes;
            return m_blocks[m_current].data.get() + at;
        }
        return allocate_slow(bytes);
    }
    template <typename T>
    [[nodiscard]] T* allocate_array(std::size_t n) {
        return static_cast<T*>(allocate(sizeof(T) * (n == 0 ? 1 : n), alignof(T)));
    }
    /// Forgets every allocation; the blocks are kept for the next record.
    void reset() {
        m_current = 0;
        m_offset = 0;
    }

private:
    struct block {
        std::unique_ptr<char[]> data;
        std::size_t size = 0;
    };
    void* allocate_slow(std::size_t bytes);

    std::vector<block> m_blocks;
    std::size_t m_current = 0;
    std::size_t m_offset = 0;
};

/// composed_text() for a text with a byte beyond ASCII.
std::string_view composed_non_ascii(std::string_view s, arena& mem);

/// `s` in Unicode normalization form C, the form every string is compared in (text.hpp): `s`
/// itself when it is in that form already, as nearly all text is, else a copy made in `mem`.
[[nodiscard]] inline std::string_view composed_text(std::string_view s, arena& mem) {
    return text::is_ascii(s) ? s : composed_non_ascii(s, mem);
}

/// Byte equality for the short strings of keys and constants, without a library call.
[[nodiscard]] inline bool bytes_equal(const char* a, const char* b, std::size_t n) {
    if (n >= 8) {
        if (n > 16) return std::memcmp(a, b, n) == 0;
        std::uint64_t a0, b0, a1, b1;  // two overlapping 8-byte loads cover 8..16 bytes
        std::memcpy(&a0, a, 8);
        std::memcpy(&b0, b, 8);
        std::memcpy(&a1, a + n - 8, 8);
        std::memcpy(&b1, b + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (n >= 4) {
        std::uint32_t a0, b0, a1, b1;
        std::memcpy(&a0, a, 4);
        std::memcpy(&b0, b, 4);
        std::memcpy(&a1, a + n - 4, 4);
        std::memcpy(&b1, b + n - 4, 4);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

/// Kleene truth values.
enum class tri : std::uint8_t { false_, true_, unknown };

/// Deep equality of two known values of the same kind (numbers by value, texts by bytes, lists
/// element-wise, objects by their JSON content). Values of different kinds are never equal.
[[nodiscard]] bool equal(const value& a, const value& b);

/// The end of the JSON value that starts at `json` (an object, array, string or scalar), found by
/// scanning; the text must be valid JSON followed by padding, as in the record buffer.
[[nodiscard]] std::string_view json_extent(const char* json);

/// Appends the JSON value at `json`, valid JSON as the projection checked it (nesting bounded by
/// max_record_depth) followed by padding, as nlohmann::json parses and dumps it: object members
/// sorted by key (of equal keys the last), strings unescaped then escaped as append_json_string
/// does, an integer token as a 64-bit integer when it fits and every other number as a double,
/// no blanks. Returns the end of the value.
const char* append_canonical_json(const char* json, std::string& out);

/// A value as JSON: texts, numbers (integral numbers as integers), booleans, lists; objects from
/// their record text. unknown and null become JSON null.
[[nodiscard]] nlohmann::json to_json(const value& v);

/// Appends a value as compact JSON text, exactly as to_json(v).dump() writes it.
void append_json(const value& v, std::string& out);

/// Appends a value as text for a message: texts as they are, numbers without a trailing `.0` when
/// integral, `true`/`false`, `unknown`, `null`, lists and objects as compact JSON.
void render(const value& v, std::string& out);

/// Appends a number in the shortest form that reads back to the same double.
void render_number(double d, std::string& out);

}  // namespace vigil::eval
