#include "json_input.hpp"

#include <algorithm>
#include <cstring>

#include <simdjson.h>

#include "vigil/evaluate.hpp"
#include "vigil/json_fault.hpp"

namespace vigil::server {

namespace {

namespace dom = simdjson::dom;
namespace od = simdjson::ondemand;

// A copy of the text with the zeroed padding simdjson reads past the end.
class padded_buffer {
public:
    std::string_view load(std::string_view text) {
        const std::size_t need = text.size() + simdjson::SIMDJSON_PADDING;
        if (m_data.size() < need) m_data.resize(need);
        if (!text.empty()) std::memcpy(m_data.data(), text.data(), text.size());
        std::memset(m_data.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
        return {m_data.data(), text.size()};
    }
    [[nodiscard]] std::size_t capacity() const { return m_data.size(); }

private:
    std::string m_data;
};

bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

input_error invalid_json(std::string_view text, simdjson::error_code code) {
    auto fault = locate_json_fault(text, simdjson::error_message(code));
    return {"invalid_json", std::move(fault.message), fault.byte};
}

std::string kind_of(dom::element_type t) {
    switch (t) {
        case dom::element_type::ARRAY:
            return "an array";
        case dom::element_type::OBJECT:
            return "an object";
        case dom::element_type::STRING:
            return "a string";
        case dom::element_type::BOOL:
            return "a boolean";
        case dom::element_type::NULL_VALUE:
            return "null";
        default:
            return "a number";
    }
}

std::string kind_of(od::json_type t) {
    switch (t) {
        case od::json_type::array:
            return "an array";
        case od::json_type::object:
            return "an object";
        case od::json_type::string:
            return "a string";
        case od::json_type::boolean:
            return "a boolean";
        case od::json_type::null:
            return "null";
        default:
            return "a number";
    }
}

// simdjson's DOM parser refuses an integer beyond 64 bits (NUMBER_ERROR), which JSON allows and
// the evaluator reads as a double, as it reads every number. A text the DOM parser refuses for a
// number is read again as the evaluator reads a record (vigil::reads_as_record_json) before it is
// refused; so the body of a batch or a refused record is judged as /v1/decide judges a record.
// Gives the kind of the text's root when it reads.
bool reads_as_evaluator(od::parser& parser, std::string_view text, std::string_view padded, std::size_t capacity,
                        od::json_type& type) {
    std::string why;
    od::document doc;
    return reads_as_record_json(text, why) && !parser.iterate(padded.data(), padded.size(), capacity).get(doc) &&
           !doc.type().get(type);
}

struct thread_parsers {
    dom::parser dom_parser;
    padded_buffer record_buffer;
    od::parser od_parser;
};

thread_parsers& parsers() {
    thread_local thread_parsers p;
    return p;
}

}  // namespace

bool check_record(std::string_view text, input_error& error) {
    if (is_blank(text)) {
        error = {"empty_body", "the body is empty; expected one JSON object (an interaction record)", -1};
        return false;
    }
    auto& p = parsers();
    const std::string_view padded = p.record_buffer.load(text);
    dom::element root;
    if (auto err =
            p.dom_parser.parse(reinterpret_cast<const std::uint8_t*>(padded.data()), padded.size(), false).get(root)) {
        od::json_type type{};
        if (err != simdjson::NUMBER_ERROR ||
            !reads_as_evaluator(p.od_parser, text, padded, p.record_buffer.capacity(), type)) {
            error = invalid_json(text, err);
            return false;
        }
        if (type == od::json_type::object) return true;
        error = {"not_an_object", "expected a JSON object (an interaction record), got " + kind_of(type), -1};
        return false;
    }
    dom::object obj;
    if (root.get(obj) != simdjson::SUCCESS) {
        error = {"not_an_object", "expected a JSON object (an interaction record), got " + kind_of(root.type()), -1};
        return false;
    }
    return true;
}

bool split_batch(std::string_view body, std::vector<batch_item>& items, input_error& error) {
    items.clear();
    if (is_blank(body)) {
        error = {"empty_body", "the body is empty; expected a JSON array of interaction records", -1};
        return false;
    }
    // The body's own padded copy: the items view into it until the batch is answered.
    thread_local padded_buffer buffer;
    auto& p = parsers();
    const std::string_view padded = buffer.load(body);
    dom::element root;
    if (auto err =
            p.dom_parser.parse(reinterpret_cast<const std::uint8_t*>(padded.data()), padded.size(), false).get(root)) {
        od::json_type type{};
        if (err != simdjson::NUMBER_ERROR || !reads_as_evaluator(p.od_parser, body, padded, buffer.capacity(), type)) {
            error = invalid_json(body, err);
            return false;
        }
        if (type != od::json_type::array) {
            error = {"not_an_array", "expected a JSON array of interaction records, got " + kind_of(type), -1};
            return false;
        }
    } else if (root.type() != dom::element_type::ARRAY) {
        error = {"not_an_array", "expected a JSON array of interaction records, got " + kind_of(root.type()), -1};
        return false;
    }
    // Valid JSON: On Demand now only finds where each element starts and ends.
    od::document doc;
    od::array array;
    if (p.od_parser.iterate(padded.data(), padded.size(), buffer.capacity()).get(doc) || doc.get_array().get(array)) {
        error = {"invalid_json", "invalid JSON: cannot iterate the array", -1};
        return false;
    }
    for (auto element : array) {
        od::value v;
        od::json_type type{};
        if (element.get(v) || v.type().get(type)) {
            error = {"invalid_json", "invalid JSON: cannot iterate the array", -1};
            return false;
        }
        batch_item item;
        if (type == od::json_type::object) {
            od::object obj;
            std::string_view raw;
            if (v.get_object().get(obj) || obj.raw_json().get(raw)) {
                error = {"invalid_json", "invalid JSON: cannot iterate the array", -1};
                return false;
            }
            // Point into the caller's body rather than into the thread's buffer.
            item.text = body.substr(static_cast<std::size_t>(raw.data() - padded.data()), raw.size());
        } else {
            item.error = "expected a JSON object (an interaction record), got " + kind_of(type);
        }
        items.push_back(item);
    }
    return true;
}

void append_one_line(std::string& out, std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return;
    const auto last = text.find_last_not_of(" \t\r\n");
    const std::size_t start = out.size();
    out.append(text.substr(first, last - first + 1));
    std::replace_if(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
                    [](char c) { return c == '\n' || c == '\r'; }, ' ');
}

}  // namespace vigil::server
