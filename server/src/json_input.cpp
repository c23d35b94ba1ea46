#include "json_input.hpp"

#include <algorithm>
#include <cstring>
#include <new>

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
    // JSON allows any depth, so nlohmann would accept the text and could not say where it fails.
    if (code == simdjson::DEPTH_ERROR) return {"invalid_json", too_deep_reason(), -1};
    auto fault = locate_json_fault(text, simdjson::error_message(code));
    return {"invalid_json", std::move(fault.message), fault.byte};
}

od::json_type type_of(dom::element_type t) {
    switch (t) {
        case dom::element_type::ARRAY:
            return od::json_type::array;
        case dom::element_type::OBJECT:
            return od::json_type::object;
        case dom::element_type::STRING:
            return od::json_type::string;
        case dom::element_type::BOOL:
            return od::json_type::boolean;
        case dom::element_type::NULL_VALUE:
            return od::json_type::null;
        default:
            return od::json_type::number;
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

// A body is a record, or the array of a batch: levels of nesting around its records.
constexpr std::size_t record_body = 0;
constexpr std::size_t batch_body = 1;

struct thread_parsers {
    // simdjson's DOM parser refuses a document as deep as its limit, so each allows one level more
    // than the evaluator reads in a record within its body.
    thread_parsers() {
        if (record_dom.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, max_record_depth + record_body + 1) ||
            batch_dom.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, max_record_depth + batch_body + 1)) {
            throw std::bad_alloc();
        }
    }
    dom::parser record_dom;
    dom::parser batch_dom;
    padded_buffer record_buffer;
    od::parser od_parser;
};

thread_parsers& parsers() {
    thread_local thread_parsers p;
    return p;
}

// Validates `text`, loaded in `padded` with `capacity` bytes, as JSON the evaluator reads, with
// `enclosing` levels around its records; gives the type of its root. simdjson's DOM parser refuses
// an integer beyond 64 bits (NUMBER_ERROR), which JSON allows and the evaluator reads as a double,
// as it reads every number: such a text is read again as the evaluator reads a record
// (vigil::reads_as_record_json) before it is refused. So the body of a batch or a refused record
// is judged as /v1/decide judges a record.
bool read_body(std::string_view text, std::string_view padded, std::size_t capacity, std::size_t enclosing,
               od::json_type& type, input_error& error) {
    auto& p = parsers();
    dom::parser& dom_parser = enclosing == record_body ? p.record_dom : p.batch_dom;
    dom::element root;
    const auto err =
        dom_parser.parse(reinterpret_cast<const std::uint8_t*>(padded.data()), padded.size(), false).get(root);
    if (!err) {
        type = type_of(root.type());
        return true;
    }
    if (err != simdjson::NUMBER_ERROR) {
        error = invalid_json(text, err);
        return false;
    }
    std::string why;
    if (!reads_as_record_json(text, why, enclosing)) {
        // The evaluator's reason names the byte when there is one, but not as a number.
        const json_fault fault = locate_json_fault(text, "");
        error = {"invalid_json", fault.byte >= 0 ? fault.message : why, fault.byte};
        return false;
    }
    od::document doc;
    if (p.od_parser.iterate(padded.data(), padded.size(), capacity).get(doc) || doc.type().get(type)) {
        error = invalid_json(text, err);
        return false;
    }
    return true;
}

}  // namespace

bool check_record(std::string_view text, input_error& error) {
    if (is_blank(text)) {
        error = {"empty_body", "the body is empty; expected one JSON object (an interaction record)", -1};
        return false;
    }
    auto& buffer = parsers().record_buffer;
    const std::string_view padded = buffer.load(text);
    od::json_type type{};
    if (!read_body(text, padded, buffer.capacity(), record_body, type, error)) return false;
    if (type == od::json_type::object) return true;
    error = {"not_an_object", "expected a JSON object (an interaction record), got " + kind_of(type), -1};
    return false;
}

bool split_batch(std::string_view body, std::vector<batch_item>& items, input_error& error) {
    items.clear();
    if (is_blank(body)) {
        error = {"empty_body", "the body is empty; expected a JSON array of interaction records", -1};
        return false;
    }
    // The body's own padded copy: the items view into it until the batch is answered.
    thread_local padded_buffer buffer;
    const std::string_view padded = buffer.load(body);
    od::json_type type{};
    if (!read_body(body, padded, buffer.capacity(), batch_body, type, error)) return false;
    if (type != od::json_type::array) {
        error = {"not_an_array", "expected a JSON array of interaction records, got " + kind_of(type), -1};
        return false;
    }
    // Valid JSON: On Demand now only finds where each element starts and ends.
    od::document doc;
    od::array array;
    if (parsers().od_parser.iterate(padded.data(), padded.size(), buffer.capacity()).get(doc) ||
        doc.get_array().get(array)) {
        error = {"invalid_json", "invalid JSON: cannot iterate the array", -1};
        return false;
    }
    for (auto element : array) {
        od::value v;
        od::json_type element_type{};
        if (element.get(v) || v.type().get(element_type)) {
            error = {"invalid_json", "invalid JSON: cannot iterate the array", -1};
            return false;
        }
        batch_item item;
        if (element_type == od::json_type::object) {
            od::object obj;
            std::string_view raw;
            if (v.get_object().get(obj) || obj.raw_json().get(raw)) {
                error = {"invalid_json", "invalid JSON: cannot iterate the array", -1};
                return false;
            }
            // Point into the caller's body rather than into the thread's buffer.
            item.text = body.substr(static_cast<std::size_t>(raw.data() - padded.data()), raw.size());
        } else {
            item.error = "expected a JSON object (an interaction record), got " + kind_of(element_type);
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
