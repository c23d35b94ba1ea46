// Text escaped for XML and HTML: the JUnit report of `vigil test` and the audit report of
// `vigil report` put text from policies, records and file names in markup with it.

#include "vigil/markup.hpp"

#include <cstddef>

namespace vigil {

namespace {

// Appends the UTF-8 sequence at `text[i]` to `out` if it is a character XML allows; otherwise
// U+FFFD. Returns the number of bytes read.
std::size_t xml_char(std::string_view text, std::size_t i, std::string& out) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    std::size_t n = 0;
    char32_t cp = 0;
    if (c < 0x80) {
        n = 1;
        cp = c;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
    }
    bool well_formed = n > 0 && i + n <= text.size();
    for (std::size_t k = 1; well_formed && k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80)
            well_formed = false;
        else
            cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    // A broken sequence is replaced byte by byte, so the bytes after it are read again.
    if (!well_formed) {
        out += "\xEF\xBF\xBD";
        return 1;
    }
    // Overlong forms, surrogates, and code points XML 1.0 excludes.
    static constexpr char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    const bool valid = cp >= least[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE &&
                       cp != 0xFFFF && (cp >= 0x20 || cp == 0x9 || cp == 0xA || cp == 0xD);
    if (!valid) {
        out += "\xEF\xBF\xBD";
        return n;
    }
    out.append(text.substr(i, n));
    return n;
}

}  // namespace

std::string xml_escape(std::string_view text, bool attribute) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        switch (text[i]) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += attribute ? "&quot;" : "\"";
                break;
            case '\'':
                out += attribute ? "&apos;" : "'";
                break;
            case '\n':
                out += attribute ? "&#10;" : "\n";
                break;
            case '\r':
                out += "&#13;";
                break;
            case '\t':
                out += attribute ? "&#9;" : "\t";
                break;
            default:
                i += xml_char(text, i, out);
                continue;
        }
        ++i;
    }
    return out;
}

}  // namespace vigil
