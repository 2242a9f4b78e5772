// See tls_client.hpp.
#include "media/io/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "media/io/net_stream.hpp"

namespace rtmfp::media::io {

namespace {
bool is_ip_literal(const std::string& host) {
  asio::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}
}  // namespace

Result<std::unique_ptr<asio::ssl::context>> make_tls_client_context(const TlsOptions& o) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  asio::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1,
                   ec);
  ctx->set_default_verify_paths(ec);  // a missing system store is not fatal; --ca-file may suffice
  if (!o.ca_file.empty()) {
    ctx->load_verify_file(o.ca_file, ec);
    if (ec)
      return fail(Errc::invalid_argument,
                  "cannot load CA file '" + o.ca_file + "' (PEM certificates expected): " + ec.message());
  }
  ctx->set_verify_mode(o.verify ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
  if (ec) return fail(Errc::io_error, "TLS setup failed: " + ec.message());
  return ctx;
}

Result<void> configure_tls_peer(SSL* ssl, const std::string& host, bool verify) {
  const bool ip = is_ip_literal(host);
  if (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    return fail(Errc::invalid_argument, "cannot use '" + host + "' as the TLS server name (SNI)");
  if (!verify) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1)
      return fail(Errc::invalid_argument, "cannot verify the TLS certificate against address '" + host + "'");
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, host.c_str()) != 1)
      return fail(Errc::invalid_argument, "cannot verify the TLS certificate against host name '" + host + "'");
  }
  return {};
}

Error tls_handshake_error(SSL* ssl, const asio::error_code& ec, const std::string& host, std::uint16_t port) {
  const long v = SSL_get_verify_result(ssl);
  if (v != X509_V_OK) {
    std::string why = X509_verify_cert_error_string(v);
    std::string hint;
    if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
      hint = " (the certificate is not valid for '" + host + "')";
    else
      hint = " (use --ca-file FILE to trust a private CA)";
    return Error{Errc::crypto_failure,
                 "TLS certificate verification failed for host '" + host + "': " + why + hint};
  }
  return Error{Errc::io_error, "TLS handshake with " + host + ":" + std::to_string(port) + " failed: " + ec.message()};
}

}  // namespace rtmfp::media::io
