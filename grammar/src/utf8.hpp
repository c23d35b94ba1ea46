#pragma once
// Policy and test files are UTF-8 text: a file that is not is refused before it is parsed, at its
// first byte that is not part of a UTF-8 character.

#include <cstdio>
#include <string>

#include "vigil/diagnostic.hpp"
#include "vigil/source.hpp"

namespace vigil::grammar {

/// True when the file is UTF-8; otherwise reports where it is not to `state` and returns false.
template <typename Builder>
bool utf8_or_reported(const source_file& source, file_id file, Builder& state) {
    const auto at = first_invalid_utf8(source.text);
    if (!at) return true;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(source.text[*at])));
    state.report(make_diagnostic(code::syntax_not_utf8, {file, *at, *at + 1},
                                 std::string("byte ") + byte + " is not UTF-8: the file must be UTF-8 text",
                                 "save the file as UTF-8; a byte like this is often a letter such as `é` in an "
                                 "older encoding (Latin-1, Windows-1252)"));
    return false;
}

}  // namespace vigil::grammar
