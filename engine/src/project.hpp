#pragma once
// Record projection: parse one JSON record with simdjson On Demand and store the fields the
// compiled rules read into slots, following the compiled projection schema. Keys of every object
// on the way are matched against the schema's fields; nothing else is looked up by name, and
// values the schema does not mention are checked but not materialized: a record that is not JSON
// is refused wherever its fault lies, with the byte it lies at.
//
// Duplicate keys: a record that gives a field the rules read twice in one object (or `id`,
// `conversation_id`, `turn` or `timestamp`) is refused, naming the field: JSON readers differ on
// which copy counts, so a log consumer could read another record than the one judged. Other
// members may repeat.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "value.hpp"

namespace vigil {
class compiled_set;
}

namespace vigil::eval {

/// A value the record schemas do not allow, as the record gave it, and its schema node.
struct disallowed_value {
    std::uint32_t schema = 0;
    value given;
};

class projector {
public:
    explicit projector(const compiled_set& set);
    ~projector();
    projector(projector&&) noexcept;
    projector& operator=(projector&&) noexcept;

    /// Parses `json` and fills the root slots; arrays and objects are stored in `mem`, strings stay
    /// in the parser's buffer. Everything stays valid until the next call. Returns false with a
    /// one-line reason (with the byte where it can be placed) when the text is not a JSON object.
    /// The text is copied into a reusable padded buffer first, unless `padded` promises
    /// record_padding readable bytes after it, the first zero.
    [[nodiscard]] bool project(std::string_view json, bool padded, arena& mem, std::string& error);

    /// The record's fields, in the positions of the schema root (compiled_set::schema[0].fields).
    [[nodiscard]] const value* root() const;

    /// The values of this record the declared record schemas do not allow (schema_node::allowed),
    /// in the order read; each is unknown where the rules read it, with `flag` set
    /// (value::disallowed), and `size` its index here.
    [[nodiscard]] std::span<const disallowed_value> disallowed() const;

    /// The text of the record's `meta` as the record wrote it; empty when it has none (or null).
    /// Measured while projecting: scanning for its end later would cost a pass over its bytes.
    [[nodiscard]] std::string_view meta_text() const;

    /// Parses and walks the whole record without projecting anything (the benchmark's floor).
    [[nodiscard]] bool iterate_only(std::string_view json, std::string& error);

    /// Reads any JSON text as a record's values are read, every value of it and nothing after it
    /// (vigil::reads_as_record_json).
    [[nodiscard]] static bool read_whole(std::string_view json, std::string& error, std::size_t enclosing_levels);

private:
    struct state;
    std::unique_ptr<state> m;
};

}  // namespace vigil::eval
