// load_policies: text -> checked -> compiled, with every mistake as a diagnostic. The CLI's
// compile_policies is a call to it, so `vigil check` and a service judge a policy set alike.

#include <algorithm>

#include <nlohmann/json.hpp>

#include "vigil/check.hpp"
#include "vigil/service.hpp"

namespace vigil {

policy_bundle load_policies(const std::vector<policy_input>& inputs, const compile_options& options) {
    policy_bundle out;
    auto loaded = load(inputs);
    out.diagnostics = std::move(loaded.diagnostics);
    if (!loaded.value) return out;
    out.sources = loaded.value->sources;
    out.unreadable = std::any_of(out.diagnostics.begin(), out.diagnostics.end(),
                                 [](const diagnostic& d) { return d.value == code::file_unreadable; });
    // Check even when loading found errors: one run reports every independent mistake.
    auto checked = check(std::move(*loaded.value));
    out.diagnostics.insert(out.diagnostics.end(), checked.diagnostics.begin(), checked.diagnostics.end());
    if (checked.value && !has_errors(out.diagnostics)) {
        auto compiled = compile(std::move(*checked.value), options);
        out.diagnostics.insert(out.diagnostics.end(), compiled.diagnostics.begin(), compiled.diagnostics.end());
        if (compiled.value && !has_errors(out.diagnostics)) out.set = *compiled.value;
    }
    sort_diagnostics(out.diagnostics);
    return out;
}

std::string policy_bundle::render_text() const {
    std::string text;
    for (const diagnostic& d : diagnostics) {
        text += sources ? vigil::render_text(d, *sources) : d.message;
        text += '\n';
    }
    return text;
}

nlohmann::json policy_bundle::render_json() const {
    auto list = nlohmann::json::array();
    for (const diagnostic& d : diagnostics) {
        if (sources) {
            list.push_back(vigil::render_json(d, *sources));
        } else {
            list.push_back({{"code", info(d.value).id}, {"slug", info(d.value).slug}, {"message", d.message}});
        }
    }
    return list;
}

}  // namespace vigil
