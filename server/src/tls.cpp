#include "tls.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

namespace vigil::server {

namespace {

namespace ssl = boost::asio::ssl;

// OpenSSL's errors since the last call, oldest first, as its own one-line texts; emptied.
std::string openssl_errors() {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char line[256];
        ERR_error_string_n(code, line, sizeof line);
        if (!text.empty()) text += "; ";
        text += line;
    }
    return text.empty() ? "no reason given" : text;
}

// OpenSSL says `system lib` of a file it cannot open: the system's own reason is clearer.
bool readable(const std::string& path, std::string& reason) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        reason = "it is a directory, not a file";
        return false;
    }
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        reason = std::strerror(errno);
        return false;
    }
    std::fclose(file);
    return true;
}

// Loads one file with `load`, which returns OpenSSL's 1 for success; false with `error` saying
// which option's file failed and why.
template <class Load>
bool load_file(const char* option, const std::string& path, const char* what, std::string& error, Load load) {
    std::string reason;
    if (!readable(path, reason)) {
        error = std::string(option) + " `" + path + "`: cannot read it: " + reason;
        return false;
    }
    ERR_clear_error();
    if (load() == 1) return true;
    error = std::string(option) + " `" + path + "`: " + what + " (OpenSSL: " + openssl_errors() + ")";
    return false;
}

// An encrypted key would make OpenSSL ask for its passphrase on the terminal, which a service
// does not have: refuse it instead, noting in `*asked` (when given) that a passphrase was needed.
// Not an empty passphrase (0): OpenSSL would try it and fail with `bad decrypt`, which misleads.
int no_passphrase(char*, int, int, void* asked) {
    if (asked != nullptr) *static_cast<bool*>(asked) = true;
    return -1;
}

EVP_PKEY* read_private_key(const std::string& path, bool& encrypted) {
    BIO* file = BIO_new_file(path.c_str(), "r");
    if (file == nullptr) return nullptr;
    EVP_PKEY* key = PEM_read_bio_PrivateKey(file, nullptr, no_passphrase, &encrypted);
    BIO_free(file);
    return key;
}

std::string encrypted_key_error(const std::string& path) {
    return "--tls-key-file `" + path +
           "`: the private key is encrypted, and the server has no terminal to ask for its passphrase: decrypt it "
           "(`openssl pkey -in " +
           path + " -out KEY`) into a file only the server may read";
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const tls_files& files, std::string& error) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // Renegotiation only serves attacks on a server that never asks for it.
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_default_passwd_cb(native, no_passphrase);
    if (!load_file("--tls-cert-file", files.cert, "not a PEM certificate chain", error,
                   [&] { return SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()); }))
        return nullptr;
    EVP_PKEY* key = nullptr;
    bool encrypted = false;
    if (!load_file("--tls-key-file", files.key, "not a PEM private key (unencrypted)", error,
                   [&] { return (key = read_private_key(files.key, encrypted)) != nullptr ? 1 : 0; })) {
        if (encrypted) error = encrypted_key_error(files.key);
        return nullptr;
    }
    // The context takes a reference of its own. OpenSSL checks the key against the certificate of
    // its type; the check after it finds a key with no certificate of its type.
    std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> owned(key, EVP_PKEY_free);
    if (!load_file("--tls-key-file", files.key, "not the private key of the certificate of --tls-cert-file", error,
                   [&] { return SSL_CTX_use_PrivateKey(native, key) == 1 ? SSL_CTX_check_private_key(native) : 0; }))
        return nullptr;
    if (files.client_ca.empty()) return context;
    if (!load_file("--tls-client-ca-file", files.client_ca, "not PEM CA certificates", error,
                   [&] { return SSL_CTX_load_verify_locations(native, files.client_ca.c_str(), nullptr); }))
        return nullptr;
    // The CAs' names go to the client in the handshake, so that it can pick the certificate to
    // send.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(native, names);
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    return context;
}

std::vector<std::string> tls_paths(const tls_files& files) {
    std::vector<std::string> paths;
    for (const std::string* path : {&files.cert, &files.key, &files.client_ca}) {
        if (!path->empty()) paths.push_back(*path);
    }
    return paths;
}

}  // namespace vigil::server
