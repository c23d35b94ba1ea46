#pragma once
// What the policy grammar (rules.hpp) and the test-file grammar (tests_rules.hpp) share: white
// space with comments between tokens, the exception their error controls throw, and the way a
// broken item is recovered from.

#include <algorithm>
#include <cstdint>
#include <exception>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze_traits.hpp>

namespace vigil::grammar {

/// Thrown by an error control (errors.hpp, tests_errors.hpp) once it has recorded a diagnostic.
/// Recovery catches it and resumes scanning at `resume`, a byte offset at or after the mistake.
struct syntax_error : std::exception {
    explicit syntax_error(std::uint32_t resume_at) : resume(resume_at) {}
    [[nodiscard]] const char* what() const noexcept override { return "syntax error"; }
    std::uint32_t resume;
};

namespace trivia {

using namespace tao::pegtl;

struct comment : seq<sor<one<'#'>, two<'/'>>, star<not_one<'\n'>>> {};
struct sep : star<sor<space, comment>> {};
/// The UTF-8 byte-order mark some editors write first: nothing, at the start of a file.
struct byte_order_mark : string<'\xEF', '\xBB', '\xBF'> {};

/// Matches `Item` as `must<Item>` would. When that raises a syntax error (already recorded in the
/// state), drops what the item built, then skips from the mistake: with `SkipTail` the rest of its
/// line when it is not the first token of a line, then with `SkipLines` the lines up to where the
/// next item may start (each grammar says how it skips). Succeeds only if it consumed input, so a
/// loop over it always ends.
///
/// The state must offer `save()`, `restore(saved)` and `starts_line(offset)`.
template <typename Item, typename SkipTail, typename SkipLines>
struct recover_item {
    using rule_t = recover_item;
    using subs_t = type_list<Item, SkipTail, SkipLines>;

    template <apply_mode A, rewind_mode M, template <typename...> class Action, template <typename...> class Control,
              typename ParseInput, typename State>
    [[nodiscard]] static bool match(ParseInput& in, State& state) {
        const char* const start = in.current();
        const auto saved = state.save();
        try {
            if (!Control<Item>::template match<A, M, Action, Control>(in, state)) {
                Control<Item>::raise(static_cast<const ParseInput&>(in), state);
            }
            return true;
        } catch (const syntax_error& error) {
            state.restore(saved);
            const char* const resume = std::max(start, in.begin() + error.resume);
            in.iterator() = resume;
            if (resume == start || !state.starts_line(static_cast<std::uint32_t>(in.byte()))) {
                (void)tao::pegtl::match<SkipTail, apply_mode::nothing, rewind_mode::dontcare, nothing, normal>(in);
            }
            (void)tao::pegtl::match<SkipLines, apply_mode::nothing, rewind_mode::dontcare, nothing, normal>(in);
            return in.current() != start;
        }
    }
};

}  // namespace trivia

}  // namespace vigil::grammar

/// `recover_item<>` succeeds only when it consumed input (see above), like a consuming sequence.
template <typename Name, typename Item, typename SkipTail, typename SkipLines>
struct tao::pegtl::analyze_traits<Name, vigil::grammar::trivia::recover_item<Item, SkipTail, SkipLines>>
    : analyze_seq_traits<Item, SkipTail, SkipLines> {};
