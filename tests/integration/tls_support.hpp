#pragma once
// TLS for the tests: a throwaway certificate authority and server
// certificates made in memory with the OpenSSL C API (EC P-256 keys, X.509 v3
// with subjectAltName), and an HTTPS fake upstream on 127.0.0.1 serving
// whole responses through a Handler.
#include <openssl/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/integration/fake_upstream.hpp"

namespace itest {

// A certificate and its private key, both PEM.
struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;
};

struct CertOptions {
  std::vector<std::string> dns_names{"localhost"};  // subjectAltName DNS entries
  // Validity relative to now: [now + not_before, now + not_after].
  std::chrono::seconds not_before{-std::chrono::hours(1)};
  std::chrono::seconds not_after{std::chrono::hours(24)};
};

class TestCa {
 public:
  TestCa();  // a fresh CA key and self-signed CA certificate
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& cert_pem() const { return cert_pem_; }
  // A server certificate signed by this CA.
  TlsIdentity issue(const CertOptions& options = {}) const;
  // A server certificate signed by its own key (no CA vouches for it).
  static TlsIdentity self_signed(const CertOptions& options = {});

 private:
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  std::string cert_pem_;
};

// An HTTPS/1.1 server on 127.0.0.1 (port 0) presenting `identity`, with
// keep-alive. An SSE answer is sent as one body, not event by event.
class TlsFakeUpstream {
 public:
  TlsFakeUpstream(const TlsIdentity& identity, Handler handler);
  ~TlsFakeUpstream();
  TlsFakeUpstream(const TlsFakeUpstream&) = delete;
  TlsFakeUpstream& operator=(const TlsFakeUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  // "https://<host>:<port>/v1": the name the certificate must match.
  std::string base_url(std::string_view host = "localhost") const;

  std::size_t hits() const { return hits_; }
  std::size_t handshakes() const { return handshakes_; }  // completed
  std::size_t failed_handshakes() const { return failed_handshakes_; }
  std::string last_server_name() const;  // SNI of the last completed handshake
  std::vector<RecordedRequest> requests() const;

 private:
  struct Impl;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> hits_{0}, handshakes_{0}, failed_handshakes_{0};
  mutable std::mutex mutex_;
  std::string server_name_;
  std::vector<RecordedRequest> requests_;
  // Last: its server thread uses the members above from the moment it starts.
  std::unique_ptr<Impl> impl_;
};

}  // namespace itest
