#pragma once
// A decision as JSON text, written straight into a string: the same bytes as
// vigil::to_json(d).dump() (members sorted as nlohmann::json sorts them, the same escaping), at a
// fraction of the cost, because it builds no JSON tree. The hot path of POST /v1/decide.

#include <string>
#include <string_view>

#include "vigil/evaluate.hpp"
#include "vigil/json_text.hpp"

namespace vigil::server {

/// Appends the decision's JSON object; the same text as vigil::to_json(d).dump().
void append_decision(std::string& out, const decision& d);

}  // namespace vigil::server
