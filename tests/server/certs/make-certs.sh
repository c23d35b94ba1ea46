#!/usr/bin/env bash
# Makes the certificates of the TLS tests (tests/server/tls_test.cpp) in this folder; README.md
# says what each is for. They are valid for 100 years from the day they were made, so the tests
# never need them made again; run this only to change them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
days=36500

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# ca NAME SUBJECT: a self-signed CA; its key stays in the scratch folder.
ca() {
    key "$scratch/$1.key"
    openssl req -x509 -new -key "$scratch/$1.key" -subj "/CN=$2" -days "$days" -sha256 \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$1.pem"
}

# leaf NAME CA SUBJECT EXTENSIONS: a key and a certificate signed by CA.
leaf() {
    key "$1.key"
    openssl req -new -key "$1.key" -subj "/CN=$3" -out "$scratch/$1.csr"
    printf '%s\n' "$4" > "$scratch/$1.ext"
    openssl x509 -req -in "$scratch/$1.csr" -CA "$2.pem" -CAkey "$scratch/$2.key" -CAcreateserial \
        -CAserial "$scratch/$2.srl" -days "$days" -sha256 -extfile "$scratch/$1.ext" -out "$1.pem"
}

ca ca "Vigil test CA"
ca other-ca "Another test CA"
leaf server ca localhost "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
leaf client ca "chat-frontend" "extendedKeyUsage=clientAuth"
leaf other-client other-ca "chat-frontend" "extendedKeyUsage=clientAuth"
# The certificate a rotation installs (tls_test.cpp): signed by the other CA, so a client that
# trusts only that CA tells which certificate the server presents.
leaf rotated-server other-ca localhost "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
# The server's key encrypted (passphrase `vigil-test`), which the server must refuse: it has no
# terminal to ask for the passphrase.
openssl pkey -in server.key -aes256 -passout pass:vigil-test -out encrypted-server.key
