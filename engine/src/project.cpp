#include "project.hpp"

#include <algorithm>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <simdjson.h>

#include "compile.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/json_fault.hpp"

namespace vigil::eval {

namespace od = simdjson::ondemand;

static_assert(record_padding >= simdjson::SIMDJSON_PADDING, "a padded record must satisfy simdjson");

namespace {

// The first `"` or `\` at or after p and before `end` (or `end`), sixteen bytes at a time where
// SSE2 is there (every x86-64), else eight: most keys take one step. It reads nothing at or past
// `end`, the end of the record: a record parsed where it lies is followed by the next lines of the
// log, which the reading thread may still be writing (it ends each line with a zero).
const char* key_end(const char* p, const char* end) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
    for (; end - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const int hit = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)));
        if (hit != 0) return p + __builtin_ctz(static_cast<unsigned>(hit));
    }
#else
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t highs = 0x8080808080808080ull;
    for (; end - p >= 8; p += 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        const std::uint64_t quote = v ^ (ones * '"');
        const std::uint64_t slash = v ^ (ones * '\\');
        const std::uint64_t hit = (((quote - ones) & ~quote) | ((slash - ones) & ~slash)) & highs;
        if (hit != 0) return p + (__builtin_ctzll(hit) >> 3);
    }
#endif
    for (; p < end; ++p) {
        if (*p == '"' || *p == '\\') return p;
    }
    return end;  // not for a string simdjson took: it closes before the record ends
}

bool is_json_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

struct projector::state {
    const compiled_set* set = nullptr;
    const std::uint8_t* settled = nullptr;  // set->settled_kinds
    std::size_t depth = 0;  // of the container being walked or projected
    // The walks below recurse per level, so a deeper text would overflow the stack.
    std::size_t depth_limit = max_record_depth;
    od::parser parser;
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;  // bytes in buffer, including the padding
    std::vector<value> root;
    std::vector<value> stack;  // array elements being collected, for all nesting levels at once
    std::string_view meta;     // the record's `meta` as written in it, when it has one
    std::vector<disallowed_value> disallowed;
    arena* mem = nullptr;
    const char* text = nullptr;           // the record as the parser reads it (in place or copied)
    const char* text_end = nullptr;       // ... and its end: nothing at or past it is read
    std::uint32_t duplicate = none;       // the schema node of a field the record gives twice
    const char* duplicate_key = nullptr;  // its second key, in `text`

    // Which fields of one object were given: a bit per field, in a word for the usual object and
    // in the arena beyond 64 fields.
    class field_set {
    public:
        field_set(const field_set&) = delete;
        field_set& operator=(const field_set&) = delete;
        field_set(std::size_t fields, arena& mem)
            : m_bits(fields <= 64 ? &m_small : mem.allocate_array<std::uint64_t>((fields + 63) / 64)) {
            std::fill(m_bits, m_bits + (fields + 63) / 64, 0);
        }
        /// False when `pos` was there already.
        bool insert(std::uint32_t pos) {
            std::uint64_t& word = m_bits[pos / 64];
            const std::uint64_t bit = std::uint64_t{1} << (pos % 64);
            if (word & bit) return false;
            word |= bit;
            return true;
        }

    private:
        std::uint64_t m_small = 0;
        std::uint64_t* m_bits;
    };

    std::string duplicate_reason() const {
        const auto byte = duplicate_key - text;  // the key's opening quote, counted from 1
        return "invalid record at byte " + std::to_string(byte) + ": `" + set->schema[duplicate].path +
               "` is given twice (JSON readers differ on which copy counts)";
    }

    // simdjson's development checks (on in unoptimised builds) keep an array indexed by depth, as
    // deep as the parser's max_depth: it must hold every level the walks accept, and one more,
    // or a record at the limit overran it. The parser keeps its depth when it grows.
    void allow_depth() {
        if (parser.max_depth() > depth_limit) [[likely]] return;
        [[maybe_unused]] const auto err = parser.allocate(std::max<std::size_t>(parser.capacity(), 4096), depth_limit + 1);
    }

    // Parses the record where it lies when it is padded; otherwise copies it into the padded buffer
    // first. Returns the document or an error.
    simdjson::error_code load(std::string_view json, bool padded, od::document& doc) {
        // The parser reads the padding but never interprets it; the zero after the text is what a
        // copy would put there, so a truncated record fails the same way in place or copied.
        if (padded) {
            text = json.data();
            text_end = text + json.size();
            return parser.iterate(json.data(), json.size(), json.size() + simdjson::SIMDJSON_PADDING).get(doc);
        }
        std::size_t need = json.size() + simdjson::SIMDJSON_PADDING;
        if (need > capacity) {
            std::size_t size = std::max<std::size_t>(need, capacity * 2);
            size = std::max<std::size_t>(size, 4096);
            buffer.reset(new char[size]);
            capacity = size;
        }
        std::memcpy(buffer.get(), json.data(), json.size());
        std::memset(buffer.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
        text = buffer.get();
        text_end = text + json.size();
        return parser.iterate(buffer.get(), json.size(), capacity).get(doc);
    }

    // Counts one more level of nesting while it lives; deeper than depth_limit is an error.
    struct level {
        explicit level(state& s) : depth(++s.depth), too_deep(s.depth > s.depth_limit) {}
        ~level() { --depth; }
        level(const level&) = delete;
        level& operator=(const level&) = delete;
        std::size_t& depth;
        const bool too_deep;
    };

    simdjson::error_code project_object(od::object obj, const schema_node& s, value* fields) {
        field_set seen(s.fields.size(), *mem);
        for (auto result : obj) {
            od::field field;
            if (auto err = std::move(result).get(field)) return err;
            // Match the key as it is in the buffer; only a key with an escape is unescaped first.
            const char* key = field.key().raw();
            const char* end = key_end(key, text_end);
            std::string_view name(key, static_cast<std::size_t>(end - key));
            if (*end != '"') {
                if (auto err = field.unescaped_key().get(name)) return err;
            }
            const std::uint32_t pos = find_field(s, name.data(), name.size());
            // A value no rule reads is still checked, not skipped: a line that is not JSON is
            // refused whatever field holds the fault.
            if (pos == none) {
                if (auto err = walk<false>(field.value())) return err;
                continue;
            }
            // A field given twice would be judged by whichever copy a reader keeps: the first for
            // some JSON libraries, the last for others. A record that says two things is refused.
            if (!seen.insert(pos)) {
                duplicate = s.fields[pos];
                duplicate_key = key;
                return simdjson::TAPE_ERROR;
            }
            if (s.fields[pos] == set->meta_schema) {
                if (auto err = carry(field.value(), fields[pos])) return err;
            } else if (auto err = project_value(field.value(), s.fields[pos], fields[pos])) {
                return err;
            }
        }
        return simdjson::SUCCESS;
    }

    // A value the declared schemas do not allow is kept aside, and unknown to the rules. Most
    // values are settled by their kind alone, known where they are read: one bit test.
    template <kind K>
    [[gnu::always_inline]] void conform(std::uint32_t schema, value& v) {
        constexpr unsigned bit = 1u << static_cast<unsigned>(K);
        if (schema == none || (settled[schema] & bit) != 0) [[likely]]
            return;
        conform_closely(schema, v);
    }

    [[gnu::noinline]] void conform_closely(std::uint32_t schema, value& v) {
        if (set->schema[schema].allowed.admits(v)) return;
        disallowed.push_back({schema, v});
        v = value::disallowed(static_cast<std::uint32_t>(disallowed.size() - 1));
    }

    // The text of the value that starts at `start` and that `v` has just been read to its end:
    // up to the token the parser stands at now, without the blanks before it. A value inside the
    // record always has a token after it (the record's closing brace at the latest).
    static simdjson::simdjson_result<std::string_view> text_since(const char* start, od::value& v) {
        const char* next = nullptr;
        if (auto err = v.current_location().get(next)) return err;
        while (next > start && is_json_blank(next[-1])) --next;
        return std::string_view(start, static_cast<std::size_t>(next - start));
    }

    // The record's `meta`: checked, projected when some rule reads it, and its text kept as the
    // record wrote it, to be carried through to the decision.
    simdjson::error_code carry(od::value v, value& out) {
        const char* start = v.raw_json_token().data();
        if (auto err = set->meta_read ? project_value(v, set->meta_schema, out) : walk<false>(v)) return err;
        if (auto err = text_since(start, v).get(meta)) return err;
        if (meta == "null") meta = {};  // null is absent
        return simdjson::SUCCESS;
    }

    simdjson::error_code project_value(od::value v, std::uint32_t schema, value& out) {
        od::json_type type;
        if (auto err = v.type().get(type)) return err;
        switch (type) {
            case od::json_type::object: {
                const level nested(*this);
                if (nested.too_deep) return simdjson::DEPTH_ERROR;
                const char* raw = v.raw_json_token().data();
                const schema_node* s = schema == none ? nullptr : &set->schema[schema];
                if (s == nullptr || s->fields.empty()) {
                    out = value::object_of(mem->allocate_array<value>(1), 0, raw);
                    conform<kind::object>(schema, out);
                    return walk<false>(v);
                }
                auto n = static_cast<std::uint32_t>(s->fields.size());
                value* block = mem->allocate_array<value>(n + 1);
                std::fill(block + 1, block + 1 + n, value{});
                od::object obj;
                if (auto err = v.get_object().get(obj)) return err;
                if (auto err = project_object(obj, *s, block + 1)) return err;
                out = value::object_of(block, n, raw);
                conform<kind::object>(schema, out);
                return simdjson::SUCCESS;
            }
            case od::json_type::array: {
                const level nested(*this);
                if (nested.too_deep) return simdjson::DEPTH_ERROR;
                std::uint32_t element = schema == none ? none : set->schema[schema].element_schema;
                od::array arr;
                if (auto err = v.get_array().get(arr)) return err;
                std::size_t base = stack.size();
                for (auto item : arr) {
                    od::value iv;
                    if (auto err = item.get(iv)) return err;
                    value x;
                    if (auto err = project_value(iv, element, x)) return err;
                    stack.push_back(x);
                }
                auto n = static_cast<std::uint32_t>(stack.size() - base);
                value* items = mem->allocate_array<value>(n);
                std::copy(stack.begin() + static_cast<std::ptrdiff_t>(base), stack.end(), items);
                stack.resize(base);
                out = value::list_of(items, n);
                conform<kind::list>(schema, out);
                return simdjson::SUCCESS;
            }
            case od::json_type::string: {
                std::string_view s;
                if (auto err = v.get_string().get(s)) return err;
                out = value::str(composed_text(s, *mem));
                conform<kind::text>(schema, out);
                return simdjson::SUCCESS;
            }
            case od::json_type::number: {
                double d;
                if (auto err = v.get_double().get(d)) return err;
                out = value::num(d);
                conform<kind::number>(schema, out);
                return simdjson::SUCCESS;
            }
            case od::json_type::boolean: {
                bool b;
                if (auto err = v.get_bool().get(b)) return err;
                out = value::boolean(b);
                conform<kind::boolean>(schema, out);
                return simdjson::SUCCESS;
            }
            case od::json_type::null: {
                bool is_null = false;
                if (auto err = v.is_null().get(is_null)) return err;
                if (!is_null) return simdjson::N_ATOM_ERROR;
                out = value::unknown();  // JSON null is unknown, like an absent field
                return simdjson::SUCCESS;
            }
        }
        return simdjson::INCORRECT_TYPE;
    }

    // Full walk of a value without storing anything: every token is checked as a parser would.
    // `Materialize` also unescapes every string and key, as a program reading them all would (the
    // benchmark's floor); without it a string or key is unescaped only when it has an escape to
    // check, since simdjson's first stage has already checked its bytes and its closing quote.
    template <bool Materialize>
    simdjson::error_code walk(od::value v) {
        od::json_type type;
        if (auto err = v.type().get(type)) return err;
        switch (type) {
            case od::json_type::object: {
                const level nested(*this);
                if (nested.too_deep) return simdjson::DEPTH_ERROR;
                od::object obj;
                if (auto err = v.get_object().get(obj)) return err;
                for (auto result : obj) {
                    od::field field;
                    if (auto err = std::move(result).get(field)) return err;
                    if (Materialize || *key_end(field.key().raw(), text_end) == '\\') {
                        std::string_view key;
                        if (auto err = field.unescaped_key().get(key)) return err;
                    }
                    if (auto err = walk<Materialize>(field.value())) return err;
                }
                return simdjson::SUCCESS;
            }
            case od::json_type::array: {
                const level nested(*this);
                if (nested.too_deep) return simdjson::DEPTH_ERROR;
                od::array arr;
                if (auto err = v.get_array().get(arr)) return err;
                for (auto item : arr) {
                    od::value iv;
                    if (auto err = item.get(iv)) return err;
                    if (auto err = walk<Materialize>(iv)) return err;
                }
                return simdjson::SUCCESS;
            }
            case od::json_type::string: {
                if (!Materialize && *key_end(v.raw_json_token().data() + 1, text_end) == '"') {
                    simdjson::ondemand::raw_json_string raw;
                    return v.get_raw_json_string().get(raw);
                }
                std::string_view s;
                return v.get_string().get(s);
            }
            case od::json_type::number: {
                double d;
                return v.get_double().get(d);
            }
            case od::json_type::boolean: {
                bool b;
                return v.get_bool().get(b);
            }
            case od::json_type::null: {
                bool is_null = false;
                if (auto err = v.is_null().get(is_null)) return err;
                return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
            }
        }
        return simdjson::INCORRECT_TYPE;
    }
};

namespace {

std::string invalid(std::string_view json, simdjson::error_code err) {
    // JSON allows any depth, so nlohmann would accept the text and could not say where it fails.
    if (err == simdjson::DEPTH_ERROR) return too_deep_reason();
    return locate_json_fault(json, simdjson::error_message(err)).message;
}

// Reads a document whose root is a scalar, as a record's scalars are read.
simdjson::error_code scalar_document(od::document& doc, od::json_type type) {
    switch (type) {
        case od::json_type::string: {
            std::string_view s;
            return doc.get_string().get(s);
        }
        case od::json_type::number: {
            double d = 0;
            return doc.get_double().get(d);
        }
        case od::json_type::boolean: {
            bool b = false;
            return doc.get_bool().get(b);
        }
        case od::json_type::null: {
            bool is_null = false;
            if (auto err = doc.is_null().get(is_null)) return err;
            return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
        }
        default:
            return simdjson::INCORRECT_TYPE;
    }
}

// The reason a document that is not an object is refused: its kind when it is a valid JSON value,
// otherwise why it is not JSON.
std::string not_an_object(std::string_view json, od::document& doc) {
    od::json_type type;
    if (auto err = doc.type().get(type)) return invalid(json, err);
    switch (type) {
        case od::json_type::object:
            return "expected a JSON object";
        case od::json_type::array: return "expected a JSON object, got an array";
        default:
            break;
    }
    if (auto err = scalar_document(doc, type)) return invalid(json, err);
    switch (type) {
        case od::json_type::string:
            return "expected a JSON object, got a string";
        case od::json_type::number:
            return "expected a JSON object, got a number";
        case od::json_type::boolean:
            return "expected a JSON object, got a boolean";
        default:
            return "expected a JSON object, got null";
    }
}

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), is_json_blank);
}

}  // namespace

projector::projector(const compiled_set& set) : m(std::make_unique<state>()) {
    m->set = &set;
    m->allow_depth();
    m->settled = set.settled_kinds.data();
    m->root.assign(set.schema[0].fields.size(), value{});
}
projector::~projector() = default;
projector::projector(projector&&) noexcept = default;
projector& projector::operator=(projector&&) noexcept = default;

const value* projector::root() const { return m->root.data(); }
std::span<const disallowed_value> projector::disallowed() const {
    return m->disallowed;
}
std::string_view projector::meta_text() const {
    return m->meta;
}

bool projector::project(std::string_view json, bool padded, arena& mem, std::string& error) {
    m->mem = &mem;
    m->depth = 1;  // the record's own object
    std::fill(m->root.begin(), m->root.end(), value{});
    m->stack.clear();
    m->meta = {};
    m->disallowed.clear();
    if (is_blank(json)) {
        error = "invalid JSON: the line is empty";
        return false;
    }
    od::document doc;
    if (auto err = m->load(json, padded, doc)) {
        error = invalid(json, err);
        return false;
    }
    od::object obj;
    if (auto err = doc.get_object().get(obj)) {
        error = err == simdjson::INCORRECT_TYPE ? not_an_object(json, doc) : invalid(json, err);
        return false;
    }
    m->duplicate = none;
    if (auto err = m->project_object(obj, m->set->schema[0], m->root.data())) {
        error = m->duplicate != none ? m->duplicate_reason() : invalid(json, err);
        return false;
    }
    // Anything after the object's closing brace is an error (On Demand stops at the brace).
    const char* end = nullptr;
    if (doc.current_location().get(end) == simdjson::SUCCESS && end != nullptr) {
        error = locate_json_fault(json, "unexpected text after the record's closing brace").message;
        return false;
    }
    return true;
}

bool projector::read_whole(std::string_view json, std::string& error, std::size_t enclosing_levels) {
    thread_local state s;  // its parser and buffer, kept from call to call
    s.depth = 0;
    s.depth_limit = max_record_depth + enclosing_levels;
    s.allow_depth();
    od::document doc;
    od::json_type type{};
    if (auto err = s.load(json, false, doc)) {
        error = invalid(json, err);
        return false;
    }
    if (auto err = doc.type().get(type)) {
        error = invalid(json, err);
        return false;
    }
    simdjson::error_code err = simdjson::SUCCESS;
    if (type == od::json_type::object || type == od::json_type::array) {
        od::value root;
        err = doc.get_value().get(root);
        if (!err) err = s.walk<true>(root);
        // On Demand stops at the root's closing bracket: anything after it is an error.
        const char* end = nullptr;
        if (!err && doc.current_location().get(end) == simdjson::SUCCESS && end != nullptr)
            err = simdjson::TRAILING_CONTENT;
    } else {
        // A scalar document's getters refuse what follows the value themselves.
        err = scalar_document(doc, type);
    }
    if (err) error = invalid(json, err);
    return !err;
}

bool projector::iterate_only(std::string_view json, std::string& error) {
    m->depth = 0;
    od::document doc;
    if (auto err = m->load(json, false, doc)) {
        error = invalid(json, err);
        return false;
    }
    od::value root;
    if (auto err = doc.get_value().get(root)) {
        error = invalid(json, err);
        return false;
    }
    if (auto err = m->walk<true>(root)) {
        error = invalid(json, err);
        return false;
    }
    return true;
}

}  // namespace vigil::eval
