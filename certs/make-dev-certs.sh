#!/usr/bin/env bash
# Creates a local development CA and a server certificate for localhost in certs/dev/
# (git-ignored). Idempotent: existing material is kept unless --force is given.
#
# The exact commands, for the record (P-256 ECDSA keys, SHA-256 signatures):
#   openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
#   openssl req -x509 -new -key ca-key.pem -sha256 -days 825 -subj "/CN=CDS Hooks dev CA" \
#     -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
#     -out ca.pem
#   openssl ecparam -name prime256v1 -genkey -noout -out server-key.pem
#   openssl req -new -key server-key.pem -subj "/CN=localhost" -out server.csr
#   openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 \
#     -days 825 -extfile server.ext -out server.pem
# where server.ext holds the extensions below (SAN localhost, 127.0.0.1, ::1; serverAuth).
set -euo pipefail

dir="$(cd "$(dirname "$0")" && pwd)/dev"
force=0
[[ "${1:-}" == "--force" ]] && force=1

if [[ $force -eq 0 && -s "$dir/ca.pem" && -s "$dir/server.pem" && -s "$dir/server-key.pem" ]]; then
  exit 0
fi

mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
umask 077

openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days 825 -subj "/CN=CDS Hooks dev CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem 2>/dev/null

openssl ecparam -name prime256v1 -genkey -noout -out server-key.pem
openssl req -new -key server-key.pem -subj "/CN=localhost" -out server.csr 2>/dev/null
cat > server.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 \
  -days 825 -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr
chmod 644 ca.pem server.pem

# A client certificate signed by the same CA, for trying mTLS (--tls-client-ca certs/dev/ca.pem).
openssl ecparam -name prime256v1 -genkey -noout -out client-key.pem
openssl req -new -key client-key.pem -subj "/CN=dev-ehr-client" -out client.csr 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 \
  -days 825 -extfile client.ext -out client.pem 2>/dev/null
rm -f client.csr

echo "dev certificates written to $dir (CA: $dir/ca.pem)"
