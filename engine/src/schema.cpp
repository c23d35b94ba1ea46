#include "schema.hpp"

#include <algorithm>
#include <cmath>

#include "text.hpp"

namespace vigil {

using json = nlohmann::json;

const json* schema_view::resolve(const json* node) const {
    for (int hops = 0; node && node->is_object() && node->contains("$ref") && hops < 16; ++hops) {
        const auto& ref = (*node)["$ref"];
        if (!ref.is_string()) return node;
        std::string pointer = ref.get<std::string>();
        if (pointer.rfind("#", 0) != 0) return nullptr;
        try {
            node = &m_root->at(json::json_pointer(pointer.substr(1)));
        } catch (const json::exception&) {
            return nullptr;
        }
    }
    return node;
}

const json* schema_view::field(const json* node, const std::string& name, bool& known,
                               std::vector<std::string>& siblings) const {
    known = true;
    node = resolve(node);
    if (!node || !node->is_object()) return nullptr;
    if (auto props = node->find("properties"); props != node->end() && props->is_object()) {
        if (auto it = props->find(name); it != props->end()) return resolve(&*it);
        for (auto it = props->begin(); it != props->end(); ++it) siblings.push_back(it.key());
    }
    auto additional = node->find("additionalProperties");
    if (additional != node->end() && additional->is_boolean() && !additional->get<bool>()) known = false;
    if (additional != node->end() && additional->is_object()) return resolve(&*additional);
    return nullptr;
}

const json* schema_view::items(const json* node) const {
    node = resolve(node);
    if (!node || !node->is_object()) return nullptr;
    auto it = node->find("items");
    return it != node->end() && it->is_object() ? resolve(&*it) : nullptr;
}

type schema_view::type_of(const json* node) const {
    node = resolve(node);
    if (!node || !node->is_object()) return type::any();
    auto it = node->find("type");
    if (it == node->end() || !it->is_string()) return type::any();
    const std::string t = it->get<std::string>();
    if (t == "string") return type::of(type::kind::string);
    if (t == "number" || t == "integer") return type::of(type::kind::number);
    if (t == "boolean") return type::of(type::kind::boolean);
    if (t == "object") return type::of(type::kind::object);
    if (t == "null") return type::of(type::kind::null);
    if (t == "array") return type::list_of(type_of(items(node)));
    return type::any();
}

const json* schema_view::enumeration(const json* node) const {
    node = resolve(node);
    if (!node || !node->is_object()) return nullptr;
    if (auto it = node->find("enum"); it != node->end() && it->is_array()) return &*it;
    return nullptr;
}

namespace eval {

namespace {

constexpr std::uint8_t all_kinds = value_rule::kind_bit(kind::null) | value_rule::kind_bit(kind::boolean) |
                                   value_rule::kind_bit(kind::number) | value_rule::kind_bit(kind::text) |
                                   value_rule::kind_bit(kind::list) | value_rule::kind_bit(kind::object);

// The kinds a JSON Schema type name allows; 0 for a name it does not know (then nothing is checked).
std::uint8_t kinds_named(const std::string& name, bool& whole) {
    if (name == "string") return value_rule::kind_bit(kind::text);
    if (name == "integer") {
        whole = true;
        return value_rule::kind_bit(kind::number);
    }
    if (name == "number") return value_rule::kind_bit(kind::number);
    if (name == "boolean") return value_rule::kind_bit(kind::boolean);
    if (name == "array") return value_rule::kind_bit(kind::list);
    if (name == "object") return value_rule::kind_bit(kind::object);
    if (name == "null") return value_rule::kind_bit(kind::null);
    return 0;
}

// The kinds `type` allows (a name or a list of names); all of them when there is no `type`.
std::uint8_t kinds_of(const json& node, bool& whole) {
    const auto it = node.find("type");
    if (it == node.end()) return all_kinds;
    std::vector<std::string> names;
    if (it->is_string()) names.push_back(it->get<std::string>());
    if (it->is_array()) {
        for (const json& name : *it) {
            if (!name.is_string()) return all_kinds;
            names.push_back(name.get<std::string>());
        }
    }
    std::uint8_t kinds = 0;
    bool integer = false, number = false;
    for (const std::string& name : names) {
        bool name_whole = false;
        const std::uint8_t k = kinds_named(name, name_whole);
        if (k == 0) return all_kinds;
        kinds |= k;
        (name_whole ? integer : number) |= k == value_rule::kind_bit(kind::number);
    }
    whole = integer && !number;
    return kinds == 0 ? all_kinds : kinds;
}

void read_bounds(const json& node, value_rule& rule) {
    const auto bound = [&](const char* name, double& into, bool* exclusive) {
        const auto it = node.find(name);
        if (it == node.end() || !it->is_number()) return;
        into = it->get<double>();
        if (exclusive != nullptr) *exclusive = true;
    };
    bound("minimum", rule.minimum, nullptr);
    bound("maximum", rule.maximum, nullptr);
    // Draft 2019+: exclusive bounds are numbers of their own; the stricter of the two applies.
    double above = -std::numeric_limits<double>::infinity(), below = std::numeric_limits<double>::infinity();
    bool has_above = false, has_below = false;
    bound("exclusiveMinimum", above, &has_above);
    bound("exclusiveMaximum", below, &has_below);
    if (has_above && above >= rule.minimum) {
        rule.minimum = above;
        rule.above_minimum = true;
    }
    if (has_below && below <= rule.maximum) {
        rule.maximum = below;
        rule.below_maximum = true;
    }
}

// An enum of texts: the value must be one of them. An enum with other values is not checked.
void read_enum(const json& node, value_rule& rule) {
    const auto it = node.find("enum");
    if (it == node.end() || !it->is_array() || it->empty()) return;
    std::vector<std::string> texts;
    for (const json& v : *it) {
        if (!v.is_string()) return;
        texts.push_back(text::to_nfc(v.get<std::string>()));
    }
    rule.kinds &= value_rule::kind_bit(kind::text) | value_rule::kind_bit(kind::null);
    if (rule.kinds == 0) rule.kinds = value_rule::kind_bit(kind::text);
    rule.texts = std::move(texts);
}

std::string number_wording(const value_rule& rule) {
    std::string out = rule.whole ? "a whole number" : "a number";
    std::string bound;
    const auto add = [&](const char* how, double d) {
        bound += bound.empty() ? ", " : " and ";
        bound += how;
        render_number(d, bound);
    };
    if (std::isfinite(rule.minimum)) add(rule.above_minimum ? "above " : "at least ", rule.minimum);
    if (std::isfinite(rule.maximum)) add(rule.below_maximum ? "below " : "at most ", rule.maximum);
    return out + bound;
}

std::string wording_of(const value_rule& rule) {
    std::vector<std::string> parts;
    if (!rule.texts.empty()) {
        std::string one_of = "one of ";
        for (std::size_t i = 0; i < rule.texts.size(); ++i) {
            if (i > 0) one_of += ", ";
            append_json(value::str(rule.texts[i]), one_of);
        }
        parts.push_back(std::move(one_of));
    } else if ((rule.kinds & value_rule::kind_bit(kind::text)) != 0) {
        parts.emplace_back("a text");
    }
    if ((rule.kinds & value_rule::kind_bit(kind::number)) != 0) parts.push_back(number_wording(rule));
    if ((rule.kinds & value_rule::kind_bit(kind::boolean)) != 0) parts.emplace_back("true or false");
    if ((rule.kinds & value_rule::kind_bit(kind::list)) != 0) parts.emplace_back("a list");
    if ((rule.kinds & value_rule::kind_bit(kind::object)) != 0) parts.emplace_back("an object");
    if (parts.empty()) return "null";
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
        out += parts[i];
    }
    return out;
}

}  // namespace

void value_rules::complete() {
    settled = checks() ? value_rule::kind_bit(kind::unknown) : 0xFF;
    wording.clear();
    for (const value_rule& r : any_of) {
        // A number or a text may still be refused by its value; the other kinds only by theirs.
        std::uint8_t open = r.kinds;
        if (r.bounds_numbers()) open &= static_cast<std::uint8_t>(~value_rule::kind_bit(kind::number));
        if (!r.texts.empty()) open &= static_cast<std::uint8_t>(~value_rule::kind_bit(kind::text));
        settled |= open;
        const std::string own = wording_of(r);
        if (wording.find(own) != std::string::npos) continue;
        if (!wording.empty()) wording += "; or ";
        wording += own;
    }
}

value_rule value_rule_of(const schema_view& schema, const json* node) {
    value_rule rule;
    node = schema.resolve(node);
    if (node == nullptr || !node->is_object()) return rule;
    rule.kinds = kinds_of(*node, rule.whole);
    read_bounds(*node, rule);
    read_enum(*node, rule);
    if (rule.kinds == all_kinds && rule.texts.empty() && !rule.bounds_numbers()) {
        rule.kinds = 0;  // it allows anything: nothing to check
    }
    return rule;
}

}  // namespace eval
}  // namespace vigil
