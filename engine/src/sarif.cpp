#include "vigil/sarif.hpp"

#include <nlohmann/json.hpp>

#include "text.hpp"

namespace vigil {

namespace {

using json = nlohmann::json;

const char* sarif_level(severity level) {
    switch (level) {
        case severity::error:
            return "error";
        case severity::warning:
            return "warning";
        case severity::note:
            return "note";
    }
    return "none";
}

json rules() {
    json out = json::array();
    for (const code_info& c : code_table) {
        out.push_back({{"id", c.id},
                       {"name", c.slug},
                       {"shortDescription", {{"text", c.summary}}},
                       {"defaultConfiguration", {{"level", sarif_level(c.default_severity)}}}});
    }
    return out;
}

json physical_location(const span& where, const source_map& sources) {
    const location begin = sources.locate(where.file, where.begin);
    const location end = sources.locate(where.file, where.end);
    json region{
        {"startLine", begin.line}, {"startColumn", begin.column}, {"endLine", end.line}, {"endColumn", end.column}};
    const std::string_view covered = sources.text(where);
    if (!covered.empty()) region["snippet"] = {{"text", text::printable_utf8(covered)}};
    return {{"artifactLocation", {{"uri", artifact_uri(sources.file(where.file).name)}}}, {"region", region}};
}

json result_of(const diagnostic& d, const source_map& sources) {
    json out{{"ruleId", info(d.value).id},
             {"ruleIndex", static_cast<std::size_t>(d.value)},
             {"level", sarif_level(d.level)},
             {"message", {{"text", message_with_notes(d)}}},
             {"locations", json::array({{{"physicalLocation", physical_location(d.where, sources)}}})}};
    json related = json::array();
    for (const note& n : d.notes) {
        if (!n.where) continue;
        related.push_back({{"id", related.size()},
                           {"message", {{"text", n.message}}},
                           {"physicalLocation", physical_location(*n.where, sources)}});
    }
    if (!related.empty()) out["relatedLocations"] = std::move(related);
    return out;
}

}  // namespace

std::string artifact_uri(std::string_view path) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = !path.empty() && path.front() == '/' ? "file://" : "";
    for (const char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        const bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                           (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        if (plain) {
            out += c;
        } else {
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        }
    }
    return out;
}

json render_sarif(const std::vector<diagnostic>& diagnostics, const source_map& sources, std::string_view version) {
    json results = json::array();
    for (const diagnostic& d : diagnostics) results.push_back(result_of(d, sources));
    json driver{{"name", "vigil"}, {"version", version}, {"rules", rules()}};
    return {
        {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs",
         json::array({{{"tool", {{"driver", driver}}}, {"columnKind", "unicodeCodePoints"}, {"results", results}}})}};
}

}  // namespace vigil
