#pragma once
// A unified diff of two texts, line by line, as `diff -u` prints it: what `vigil fmt --diff`
// shows of the layout it would write.

#include <string>
#include <string_view>

namespace vigil::cli {

/// The unified diff from `before` (named `before_name` in the header) to `after`, with three lines
/// of context around each change; empty when the texts are equal. Lines are found by the longest
/// common subsequence of the two texts' lines, after the lines both begin and end with; when what
/// lies between those is more than 16,384 lines on both sides (a 256 Mbit table), it is shown as
/// one change of every line.
[[nodiscard]] std::string unified_diff(std::string_view before, std::string_view after, const std::string& before_name,
                                       const std::string& after_name);

}  // namespace vigil::cli
