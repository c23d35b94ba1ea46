// JUnit XML: well-formed whatever the case names, messages and diagnostics hold.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "vigil/policytest.hpp"

namespace pt = vigil::policytest;

namespace {

// A small checker of XML 1.0 well-formedness for what report_junit writes: a prolog, nested
// elements with quoted attributes, character data with entity and character references only,
// and characters XML allows, in valid UTF-8. Returns an empty string or the first problem.
class xml_checker {
public:
    explicit xml_checker(std::string_view text) : m_text(text) {}

    std::string check() {
        if (!chars_allowed()) return m_problem;
        if (m_text.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) != 0) return "no prolog";
        m_at = m_text.find('\n') + 1;
        if (!element()) return m_problem.empty() ? "bad element" : m_problem;
        skip_space();
        if (m_at != m_text.size()) return "text after the root element";
        return {};
    }

    std::vector<std::string> names;  // every element name, in document order

private:
    bool fail(std::string why) {
        if (m_problem.empty()) m_problem = std::move(why) + " at byte " + std::to_string(m_at);
        return false;
    }

    bool chars_allowed() {
        for (std::size_t i = 0; i < m_text.size();) {
            const auto c = static_cast<unsigned char>(m_text[i]);
            std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
            if (n == 0 || i + n > m_text.size()) return fail("invalid UTF-8");
            for (std::size_t k = 1; k < n; ++k) {
                if ((static_cast<unsigned char>(m_text[i + k]) & 0xC0) != 0x80) return fail("invalid UTF-8");
            }
            if (n == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') return fail("control character");
            i += n;
        }
        return true;
    }

    void skip_space() {
        while (m_at < m_text.size() && std::string_view(" \t\r\n").find(m_text[m_at]) != std::string_view::npos) ++m_at;
    }

    std::string name() {
        const std::size_t start = m_at;
        while (m_at < m_text.size() && (std::isalnum(static_cast<unsigned char>(m_text[m_at])) || m_text[m_at] == '_' ||
                                        m_text[m_at] == '-' || m_text[m_at] == ':')) {
            ++m_at;
        }
        return std::string(m_text.substr(start, m_at - start));
    }

    bool reference() {  // at '&'
        const std::size_t end = m_text.find(';', m_at);
        if (end == std::string_view::npos) return fail("unterminated reference");
        const std::string_view ref = m_text.substr(m_at + 1, end - m_at - 1);
        const bool known = ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos";
        bool numeric = ref.size() > 1 && ref[0] == '#';
        for (std::size_t i = 1; numeric && i < ref.size(); ++i)
            numeric = std::isdigit(static_cast<unsigned char>(ref[i]));
        if (!known && !numeric) return fail("unknown reference &" + std::string(ref) + ";");
        m_at = end + 1;
        return true;
    }

    bool element() {
        skip_space();
        if (m_at >= m_text.size() || m_text[m_at] != '<') return fail("expected <");
        ++m_at;
        const std::string tag = name();
        if (tag.empty()) return fail("expected an element name");
        names.push_back(tag);
        std::vector<std::string> attributes;
        for (;;) {
            skip_space();
            if (m_text.substr(m_at, 2) == "/>") {
                m_at += 2;
                return true;
            }
            if (m_at < m_text.size() && m_text[m_at] == '>') {
                ++m_at;
                break;
            }
            const std::string attribute = name();
            if (attribute.empty()) return fail("expected an attribute");
            for (const auto& a : attributes) {
                if (a == attribute) return fail("attribute twice");
            }
            attributes.push_back(attribute);
            if (m_text.substr(m_at, 2) != "=\"") return fail("expected =\"");
            m_at += 2;
            while (m_at < m_text.size() && m_text[m_at] != '"') {
                if (m_text[m_at] == '<') return fail("< in an attribute");
                if (m_text[m_at] == '&') {
                    if (!reference()) return false;
                } else {
                    ++m_at;
                }
            }
            if (m_at >= m_text.size()) return fail("unterminated attribute");
            ++m_at;
        }
        // Content: text and child elements, up to the end tag.
        for (;;) {
            if (m_at >= m_text.size()) return fail("no end tag for " + tag);
            if (m_text.substr(m_at, 2) == "</") {
                m_at += 2;
                if (name() != tag) return fail("end tag does not match " + tag);
                skip_space();
                if (m_at >= m_text.size() || m_text[m_at] != '>') return fail("expected >");
                ++m_at;
                return true;
            }
            if (m_text[m_at] == '<') {
                if (!element()) return false;
            } else if (m_text[m_at] == '&') {
                if (!reference()) return false;
            } else if (m_text[m_at] == '>' && m_text.substr(m_at >= 2 ? m_at - 2 : 0, 2) == "]]") {
                return fail("]]> in text");
            } else {
                ++m_at;
            }
        }
    }

    std::string_view m_text;
    std::size_t m_at = 0;
    std::string m_problem;
};

const char* const policy_text = R"(policy "care & <co>" {
  rule no_offer {
    severity critical
    when speaker == "ai" and signals.distress >= 0.6
    forbid any a in actions: a.type == "offer"
    message "offer <to> \"someone\" & more {text}"
    remedy block
  }
})";

}  // namespace

BOOST_AUTO_TEST_CASE(escaping) {
    BOOST_TEST(pt::xml_escape("a & b < c > d \"e\" 'f'", false) == "a &amp; b &lt; c &gt; d \"e\" 'f'");
    BOOST_TEST(pt::xml_escape("a & b < c > d \"e\" 'f'", true) ==
               "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;");
    BOOST_TEST(pt::xml_escape("line\nbreak\ttab", true) == "line&#10;break&#9;tab");
    BOOST_TEST(pt::xml_escape("line\nbreak\ttab", false) == "line\nbreak\ttab");
    BOOST_TEST(pt::xml_escape("bell\x07 nul", false) == "bell\xEF\xBF\xBD nul");
    BOOST_TEST(pt::xml_escape(std::string_view("a\0b", 3), false) ==
               "a\xEF\xBF\xBD"
               "b");
    BOOST_TEST(pt::xml_escape("bad \xC3 utf8 \xFF", false) == "bad \xEF\xBF\xBD utf8 \xEF\xBF\xBD");
    BOOST_TEST(pt::xml_escape("\xED\xA0\x80", false) == "\xEF\xBF\xBD");  // a surrogate in UTF-8
    BOOST_TEST(pt::xml_escape("שלום één tiếng", false) == "שלום één tiếng");
}

BOOST_AUTO_TEST_CASE(junit_is_well_formed_and_counts_right) {
    pt::run_result run;
    run.files.push_back(pt::run_text("a <&> \"b\".tests", R"(
case "passes: <ok> & \"fine\"" {
  record {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}], "text": "x"}
  expect violation no_offer
}
case "fails ]]> with \u0007 a bell" {
  record {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}], "text": "<b>&\u0001"}
  expect pass no_offer
})",
                                     {{"care.vigil", std::string(policy_text)}}));
    run.files.push_back(
        pt::run_text("broken.tests", "case \"x\" {\n  recrod {}\n}\n", {{"care.vigil", std::string(policy_text)}}));
    BOOST_REQUIRE((run.files[0].status == pt::file_status::ran));
    BOOST_REQUIRE(run.files[0].cases.size() == 2u);
    BOOST_TEST(!run.files[0].cases[1].passed);

    for (const bool strict : {false, true}) {
        const std::string xml = pt::report_junit(run, {.coverage_strict = strict});
        xml_checker checker(xml);
        BOOST_TEST(checker.check() == "", xml);
        BOOST_TEST(checker.names.front() == "testsuites");
        BOOST_TEST(xml.find("tests=\"" + std::string(strict ? "4" : "3") + "\" failures=\"" +
                            std::string(strict ? "1" : "1") + "\" errors=\"1\"") != std::string::npos,
                   xml);
        BOOST_TEST(xml.find("<failure message=\"1 expectation not met\" type=\"expectation\">") != std::string::npos);
        BOOST_TEST(xml.find("- expected pass no_offer on turn 1 (line 8)") != std::string::npos, xml);
        BOOST_TEST(xml.find("<error message=\"the test file has 1 error; no case was run\" type=\"V0701\">") !=
                       std::string::npos,
                   xml);
        BOOST_TEST((xml.find("<testsuite name=\"coverage\"") != std::string::npos) == strict);
    }
}

// A record that breaks its policy's schema: the case's testcase carries the V0708 warning.
BOOST_AUTO_TEST_CASE(junit_shows_a_case_warnings) {
    const std::string policy = "policy \"care\" {\n  schema \"" + std::string(VIGIL_SOURCE_DIR) +
                               "/policies/schema/interaction-record.v1.json\"\n  rule r {\n    when speaker == \"ai\"\n"
                               "    require ai.disclosed == true\n  }\n}\n";
    pt::run_result run;
    run.files.push_back(pt::run_text("care.tests", R"(
case "capitals" {
  record {"speaker": "AI", "ai": {"disclosed": false}}
  expect undetermined r
})",
                                     {{"care.vigil", policy}}));
    BOOST_REQUIRE((run.files[0].status == pt::file_status::ran));
    BOOST_REQUIRE(run.files[0].cases.size() == 1u);
    BOOST_TEST(run.files[0].cases[0].passed);
    BOOST_REQUIRE(run.files[0].cases[0].warnings.size() == 1u);
    BOOST_TEST(
        run.files[0].cases[0].warnings[0].message ==
        R"(the record of case `capitals`: the record's `speaker` is "AI"; its schema allows one of "user", "ai", )"
        R"("human_agent", "system")");
    const std::string xml = pt::report_junit(run, {});
    xml_checker checker(xml);
    BOOST_TEST(checker.check() == "", xml);
    BOOST_TEST(
        xml.find("<system-out>care.tests:3:10: warning[V0708]: the record of case `capitals`") != std::string::npos,
        xml);
    BOOST_TEST(xml.find("failures=\"0\"") != std::string::npos, xml);
}

BOOST_AUTO_TEST_CASE(junit_of_path_problems) {
    const auto run = pt::run({"no/such/folder"});
    const std::string xml = pt::report_junit(run, {});
    xml_checker checker(xml);
    BOOST_TEST(checker.check() == "", xml);
    BOOST_TEST(xml.find("type=\"V0707\"") != std::string::npos, xml);
    BOOST_TEST(pt::exit_status(run, {}) == 2);
}
