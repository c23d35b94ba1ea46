// vigil::sha256 against the digests FIPS 180-4's examples and `sha256sum` give: the policy hash of
// every decision and the hashes a replay names for its files are checked against them by others.
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

#include <cstdint>
#include <random>
#include <vector>

#include "sha256_blocks.hpp"
#include "vigil/sha256.hpp"

namespace {

std::string digest_of(std::string_view text) {
    vigil::sha256 h;
    h.update(text);
    return h.hex();
}

// The digest of `text` fed in pieces of `piece` bytes: blocks that straddle two updates.
std::string digest_in_pieces(std::string_view text, std::size_t piece) {
    vigil::sha256 h;
    for (std::size_t at = 0; at < text.size(); at += piece) h.update(text.substr(at, piece));
    return h.hex();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sha256)

BOOST_AUTO_TEST_CASE(gives_the_digests_of_the_standard_examples) {
    BOOST_TEST(digest_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(digest_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    BOOST_TEST(digest_of(std::string(1000000, 'a')) ==
               "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(the_digest_does_not_depend_on_how_the_bytes_are_cut) {
    std::string text;
    for (int i = 0; i < 1000; ++i) text += static_cast<char>(i * 7 % 256);
    const std::string whole = digest_of(text);
    for (const std::size_t piece : {1u, 3u, 63u, 64u, 65u, 127u, 500u})
        BOOST_TEST(digest_in_pieces(text, piece) == whole, piece);
    BOOST_TEST(digest_in_pieces(std::string(1000000, 'a'), 4099) ==
               "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// The SHA extensions, where the CPU has them, compress exactly as the portable code does: from
// many states, over runs of one to nine blocks of random bytes.
BOOST_AUTO_TEST_CASE(the_accelerated_blocks_match_the_portable_ones) {
    std::uint32_t probe[8] = {};
    if (!vigil::detail::sha256_blocks_accelerated(probe, nullptr, 0)) {
        BOOST_TEST_MESSAGE("this CPU has no SHA extensions: only the portable code runs here");
        return;
    }
    std::mt19937 random(2026);
    std::vector<unsigned char> data(9 * 64);
    for (int trial = 0; trial < 200; ++trial) {
        std::uint32_t portable[8], accelerated[8];
        for (std::uint32_t& word : portable) word = random();
        std::copy(std::begin(portable), std::end(portable), accelerated);
        for (unsigned char& byte : data) byte = static_cast<unsigned char>(random());
        const std::size_t blocks = 1 + static_cast<std::size_t>(trial % 9);
        vigil::detail::sha256_blocks_portable(portable, data.data(), blocks);
        BOOST_REQUIRE(vigil::detail::sha256_blocks_accelerated(accelerated, data.data(), blocks));
        BOOST_TEST(std::equal(std::begin(portable), std::end(portable), std::begin(accelerated)), "trial " << trial);
    }
}

BOOST_AUTO_TEST_SUITE_END()
