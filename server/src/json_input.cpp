#include "json_input.hpp"

#include <algorithm>
#include <cstring>

#include <simdjson.h>

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
// the evaluator reads as a double, as it reads every number (engine/src/project.cpp). A text the DOM
// parser refuses for a number is read again this way, every value of it, before it is refused; so
// the body of a batch or a refused record is judged as /v1/decide judges a record.
simdjson::error_code read_as_evaluator(od::value v, std::size_t depth) {
    od::json_type type{};
    if (auto err = v.type().get(type)) return err;
    switch (type) {
        case od::json_type::object: {
            if (depth >= simdjson::DEFAULT_MAX_DEPTH) return simdjson::DEPTH_ERROR;
            od::object obj;
            if (auto err = v.get_object().get(obj)) return err;
            for (auto result : obj) {
                od::field field;
                std::string_view key;
                if (auto err = std::move(result).get(field)) return err;
                if (auto err = field.unescaped_key().get(key)) return err;
                if (auto err = read_as_evaluator(field.value(), depth + 1)) return err;
            }
            return simdjson::SUCCESS;
        }
        case od::json_type::array: {
            if (depth >= simdjson::DEFAULT_MAX_DEPTH) return simdjson::DEPTH_ERROR;
            od::array arr;
            if (auto err = v.get_array().get(arr)) return err;
            for (auto item : arr) {
                od::value element;
                if (auto err = item.get(element)) return err;
                if (auto err = read_as_evaluator(element, depth + 1)) return err;
            }
            return simdjson::SUCCESS;
        }
        case od::json_type::string: {
            std::string_view s;
            return v.get_string().get(s);
        }
        case od::json_type::number: {
            double d = 0;
            return v.get_double().get(d);
        }
        case od::json_type::boolean: {
            bool b = false;
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

// The whole padded text read as the evaluator reads a record; `type` is its root's kind.
simdjson::error_code read_as_evaluator(od::parser& parser, std::string_view padded, std::size_t capacity,
                                       od::json_type& type) {
    od::document doc;
    if (auto err = parser.iterate(padded.data(), padded.size(), capacity).get(doc)) return err;
    if (auto err = doc.type().get(type)) return err;
    switch (type) {
        case od::json_type::object:
        case od::json_type::array: {
            od::value root;
            if (auto err = doc.get_value().get(root)) return err;
            if (auto err = read_as_evaluator(root, 0)) return err;
            // On Demand stops at the root's closing bracket: anything after it is an error.
            const char* end = nullptr;
            const bool more = doc.current_location().get(end) == simdjson::SUCCESS && end != nullptr;
            return more ? simdjson::TRAILING_CONTENT : simdjson::SUCCESS;
        }
        case od::json_type::number: {
            // A scalar document's getters refuse what follows the value themselves.
            double d = 0;
            return doc.get_double().get(d);
        }
        default:
            // Only a number makes the DOM parser refuse with NUMBER_ERROR.
            return simdjson::NUMBER_ERROR;
    }
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
            read_as_evaluator(p.od_parser, padded, p.record_buffer.capacity(), type) != simdjson::SUCCESS) {
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
        if (err != simdjson::NUMBER_ERROR ||
            read_as_evaluator(p.od_parser, padded, buffer.capacity(), type) != simdjson::SUCCESS) {
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
