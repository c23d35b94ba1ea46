#pragma once
// Record schemas (JSON Schema, the subset policies declare with `schema "…"`): the node that
// describes a record path, for the checker's types and enum checks; and what a path's value may
// be, for the projector, which makes a value the schema does not allow unknown to the rules
// instead of letting `"speaker":"AI"` or `"turn":"1"` decide as if the record were valid.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "value.hpp"
#include "vigil/check.hpp"

namespace vigil {

/// A schema document, read node by node, following local `$ref`s (`#/$defs/…`).
class schema_view {
public:
    using json = nlohmann::json;

    explicit schema_view(const json* root) : m_root(root) {}

    [[nodiscard]] const json* root() const { return m_root; }

    /// `node` with its `$ref`s followed; null when a reference leads nowhere (or out of the file).
    [[nodiscard]] const json* resolve(const json* node) const;

    /// The schema of `field` below `node`; `known` is false when the schema forbids the field.
    /// `siblings` gets the fields the node declares when `name` is not one of them.
    [[nodiscard]] const json* field(const json* node, const std::string& name, bool& known,
                                    std::vector<std::string>& siblings) const;

    /// The schema of an array node's elements; null when it has none.
    [[nodiscard]] const json* items(const json* node) const;

    /// The checker's type of a node: `any` where the schema does not say.
    [[nodiscard]] type type_of(const json* node) const;

    /// The enum of allowed values at a node; null when it has none.
    [[nodiscard]] const json* enumeration(const json* node) const;

private:
    const json* m_root;
};

namespace eval {

/// What the record schemas declared for one record path allow its value to be. Only what a
/// schema says with `type` (a name or a list of names), `enum` of texts, `minimum`, `maximum`,
/// `exclusiveMinimum` and `exclusiveMaximum` is checked; formats, patterns and lengths are not.
struct value_rule {
    std::uint8_t kinds = 0;  // a bit per eval::kind allowed (kind_bit); 0: anything, unchecked
    bool whole = false;      // a number must be a whole number
    double minimum = -std::numeric_limits<double>::infinity();
    double maximum = std::numeric_limits<double>::infinity();
    bool above_minimum = false;  // the minimum itself is not allowed (exclusiveMinimum)
    bool below_maximum = false;
    std::vector<std::string> texts;  // a text must be one of these (NFC); empty: any text

    [[nodiscard]] bool checks() const { return kinds != 0; }
    /// Whether a number may be refused for its value (not whole, out of bounds).
    [[nodiscard]] bool bounds_numbers() const { return whole || std::isfinite(minimum) || std::isfinite(maximum); }
    bool operator==(const value_rule&) const = default;

    /// Whether a known value conforms. Called for every value of a checked path of every record.
    [[nodiscard]] bool admits(const value& v) const {
        if ((kinds & kind_bit(v.k)) == 0) return false;
        if (v.k == kind::number) return number_fits(v.number);
        if (v.k == kind::text && !texts.empty()) return is_listed(v.sv());
        return true;
    }

    [[nodiscard]] static constexpr std::uint8_t kind_bit(kind k) {
        return static_cast<std::uint8_t>(1u << static_cast<unsigned>(k));
    }

private:
    [[nodiscard]] bool number_fits(double d) const {
        if (whole && d != std::trunc(d)) return false;
        if (above_minimum ? !(d > minimum) : !(d >= minimum)) return false;
        return below_maximum ? d < maximum : d <= maximum;
    }
    [[nodiscard]] bool is_listed(std::string_view s) const {
        for (const std::string& t : texts) {
            if (t.size() == s.size() && bytes_equal(t.data(), s.data(), s.size())) return true;
        }
        return false;
    }
};

/// What the schema node allows (unchecked when it says nothing this checks).
[[nodiscard]] value_rule value_rule_of(const schema_view& schema, const nlohmann::json* node);

/// What the schemas of several policies reading one path allow: a value any of them allows.
struct value_rules {
    std::vector<value_rule> any_of;  // empty: anything, unchecked
    std::string wording;             // for notes: what the rules allow, `or` between them
    // The kinds of which every value is allowed without a closer look (unknown always; every kind
    // when unchecked): most checked values are settled by this one bit test.
    std::uint8_t settled = 0xFF;

    [[nodiscard]] bool checks() const { return !any_of.empty(); }

    /// Whether a value conforms.
    [[nodiscard]] bool admits(const value& v) const {
        if ((settled & value_rule::kind_bit(v.k)) != 0) return true;
        for (const value_rule& r : any_of) {
            if (r.admits(v)) return true;
        }
        return false;
    }

    /// Sets `settled` and `wording` from `any_of`, once it holds every rule.
    void complete();
};

}  // namespace eval
}  // namespace vigil
