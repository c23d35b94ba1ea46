#include "answers.hpp"

#include <vector>

#include "vigil/json_text.hpp"

namespace vigil::server {

using json = nlohmann::json;

json error_body(std::string_view code, std::string_view message) {
    return json{{"error", json{{"code", code}, {"message", message}}}};
}

json error_body(const input_error& bad) {
    json body = error_body(bad.code, bad.message);
    if (bad.offset >= 0) body["error"]["offset"] = bad.offset;
    return body;
}

std::string refused_record(std::string_view text, const std::string& reason) {
    input_error bad;
    if (check_record(text, bad)) return json_text(error_body("invalid_record", reason));
    return json_text(error_body(bad));
}

int answer_batch(std::string_view body, std::size_t max_records, const record_decider& decide, std::string& out) {
    std::vector<batch_item> items;
    input_error bad;
    if (!split_batch(body, items, bad)) {
        out = json_text(error_body(bad));
        return 400;
    }
    if (items.size() > max_records) {
        json error =
            error_body("batch_too_large", "the batch has " + std::to_string(items.size()) + " elements; at most " +
                                              std::to_string(max_records) +
                                              " are decided in one request (--max-batch); nothing was decided");
        error["error"]["elements"] = items.size();
        error["error"]["max_batch"] = max_records;
        out = json_text(error);
        return 413;
    }
    out = "[";
    std::string one;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out.push_back(',');
        if (!items[i].error.empty()) {
            json element = error_body("not_an_object", items[i].error);
            element["error"]["status"] = 400;
            element["error"]["index"] = i;
            out.append(json_text(element));
            continue;
        }
        const int status = decide(items[i].text, one);
        if (status != 200) {
            // Add the item's status and index to its error object.
            json element = json::parse(one);
            element["error"]["status"] = status;
            element["error"]["index"] = i;
            one = json_text(element);
        }
        out.append(one);
    }
    out.push_back(']');
    return 200;
}

}  // namespace vigil::server
