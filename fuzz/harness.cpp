// What the harnesses share: the abort on a broken contract, and rendering diagnostics.

#include "harness.hpp"

#include <cstdio>
#include <cstdlib>

#include "vigil/json_text.hpp"

namespace vigil::fuzz_support {

void require(bool holds, std::string_view what) {
    if (holds) return;
    std::fprintf(stderr, "vigil fuzz: broken contract: %.*s\n", static_cast<int>(what.size()), what.data());
    std::abort();
}

void render_every(const std::vector<diagnostic>& diagnostics, const source_map& sources) {
    for (const diagnostic& d : diagnostics) {
        require(d.where.file < sources.size(), "a diagnostic points into a file that is not in the source map");
        const source_file& file = sources.file(d.where.file);
        require(d.where.begin <= d.where.end && d.where.end <= file.text.size(),
                "a diagnostic's span is not inside its file");
        require(!d.message.empty(), "a diagnostic has no message");
        const std::string text = render_text(d, sources);
        require(!text.empty(), "a diagnostic renders as nothing");
        const std::string json = json_text(render_json(d, sources));
        require(!json.empty(), "a diagnostic renders as no JSON");
    }
}

}  // namespace vigil::fuzz_support
