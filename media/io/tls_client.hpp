// TLS client setup for rtmps:// (OpenSSL through asio::ssl): trust store
// (system default + optional --ca-file), SNI, hostname or IP verification
// (interop-notes §2b: ingest services need SNI; verify the hostname), and a
// readable error for a failed handshake.
#pragma once

#include <asio/ssl.hpp>
#include <memory>
#include <string>

#include "rtmfp/core/error.hpp"

namespace rtmfp::media::io {

struct TlsOptions;

// A client context: TLS 1.2+, system CAs, plus `ca_file` if given; peer
// verification on unless options.verify is false.
Result<std::unique_ptr<asio::ssl::context>> make_tls_client_context(const TlsOptions& options);

// Per-connection settings on the SSL object: SNI (for names, not IP
// literals, RFC 6066 §3) and the name or address the certificate must match.
Result<void> configure_tls_peer(SSL* ssl, const std::string& host, bool verify);

// The error for a failed handshake: Errc::crypto_failure with the
// verification reason and the host when the certificate was rejected, else
// Errc::io_error with the TLS error text.
Error tls_handshake_error(SSL* ssl, const asio::error_code& ec, const std::string& host, std::uint16_t port);

}  // namespace rtmfp::media::io
