#pragma once
// Text put into XML or HTML: JUnit reports (`vigil test --junit`) and audit reports
// (`vigil report`).

#include <string>
#include <string_view>

namespace vigil {

/// `text` escaped for XML character data or a quoted attribute value: markup characters as
/// entities, line breaks and tabs in attributes as character references, and every character
/// XML 1.0 does not allow (control characters, invalid UTF-8) as U+FFFD. With `attribute`, the
/// text is also safe in HTML5 text and quoted attribute values (`&apos;` and `&quot;` are HTML5
/// entities too).
[[nodiscard]] std::string xml_escape(std::string_view text, bool attribute);

}  // namespace vigil
