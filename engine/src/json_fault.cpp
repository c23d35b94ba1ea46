#include "vigil/json_fault.hpp"

#include <nlohmann/json.hpp>

namespace vigil {

json_fault locate_json_fault(std::string_view text, std::string_view why) {
    json_fault fault;
    try {
        (void)nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& p) {
        // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..."
        std::string reason = p.what();
        if (const auto colon = reason.find(": ", reason.find("parse error")); colon != std::string::npos)
            reason.erase(0, colon + 2);
        fault.byte = static_cast<std::int64_t>(p.byte);
        fault.message = "invalid JSON at byte " + std::to_string(p.byte) + ": " + reason;
        return fault;
    } catch (const std::exception&) {
        // nlohmann refuses it for a reason that has no place (a number out of range): simdjson's says as much.
    }
    fault.message = "invalid JSON: " + std::string(why);
    return fault;
}

}  // namespace vigil
