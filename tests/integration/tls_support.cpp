#include "tests/integration/tls_support.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>
#include <thread>

namespace itest {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

EVP_PKEY* new_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  require(key != nullptr, "EC key generation");
  return key;
}

template <class Write>
std::string to_pem(Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  require(bio != nullptr && write(bio) == 1, "PEM write");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string key_pem(EVP_PKEY* key) {
  return to_pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}
std::string pem_of(X509* cert) {
  return to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  require(ext != nullptr, "X509 extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `common_name`, signed by issuer/issuer_key
// (itself when null). A CA gets basicConstraints CA:TRUE and keyCertSign.
X509* make_cert(EVP_PKEY* key, const std::string& common_name, const CertOptions& options,
                X509* issuer, EVP_PKEY* issuer_key, bool is_ca) {
  static std::atomic<long> serial{1000};
  X509* cert = X509_new();
  require(cert != nullptr, "X509_new");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), static_cast<long>(options.not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(options.not_after.count()));
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Switchyard tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));
  add_extension(cert, signer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_extension(cert, signer, NID_key_usage,
                is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(cert, signer, NID_subject_key_identifier, "hash");
  if (!is_ca) {
    add_extension(cert, signer, NID_ext_key_usage, "serverAuth");
    std::string san;
    for (const auto& dns : options.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    if (!san.empty()) add_extension(cert, signer, NID_subject_alt_name, san);
  }
  require(X509_sign(cert, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "sign");
  return cert;
}

}  // namespace

TestCa::TestCa() : key_(new_key()) {
  CertOptions ca_options;
  ca_options.not_before = -std::chrono::hours(24);
  ca_options.not_after = std::chrono::hours(24 * 30);
  cert_ = make_cert(key_, "Switchyard Test CA", ca_options, nullptr, nullptr, true);
  cert_pem_ = pem_of(cert_);
}

TestCa::~TestCa() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

TlsIdentity TestCa::issue(const CertOptions& options) const {
  EVP_PKEY* key = new_key();
  X509* cert = make_cert(key, options.dns_names.empty() ? "server" : options.dns_names.front(),
                         options, cert_, key_, false);
  TlsIdentity identity{pem_of(cert), key_pem(key)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return identity;
}

TlsIdentity TestCa::self_signed(const CertOptions& options) {
  EVP_PKEY* key = new_key();
  X509* cert = make_cert(key, options.dns_names.empty() ? "server" : options.dns_names.front(),
                         options, nullptr, nullptr, false);
  TlsIdentity identity{pem_of(cert), key_pem(key)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return identity;
}

struct TlsFakeUpstream::Impl {
  TlsFakeUpstream& owner;
  Handler handler;
  // Outlives io: the connections' frames, destroyed with io, use it.
  ssl::context context{ssl::context::tls_server};
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  Impl(TlsFakeUpstream& o, const TlsIdentity& identity, Handler h)
      : owner(o), handler(std::move(h)) {
    context.use_certificate_chain(net::buffer(identity.cert_pem));
    context.use_private_key(net::buffer(identity.key_pem), ssl::context::pem);
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(tcp::endpoint(net::ip::address_v4::loopback(), 0));
    acceptor.listen();
    owner.port_ = acceptor.local_endpoint().port();
    net::co_spawn(io, accept_loop(), net::detached);
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    io.stop();
    if (thread.joinable()) thread.join();
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      net::co_spawn(io, serve(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> serve(tcp::socket socket) {
    constexpr auto token = net::as_tuple(net::use_awaitable);
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), context);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::server, token);
    if (handshake_ec) {
      ++owner.failed_handshakes_;
      co_return;
    }
    if (const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name)) {
      std::lock_guard lock(owner.mutex_);
      owner.server_name_ = sni;
    }
    ++owner.handshakes_;
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
      auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, request, token);
      if (read_ec) co_return;
      RecordedRequest record;
      record.method = std::string(request.method_string());
      record.target = std::string(request.target());
      for (const auto& field : request)
        record.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      record.body = request.body();
      {
        std::lock_guard lock(owner.mutex_);
        owner.requests_.push_back(record);
      }
      ++owner.hits_;
      Response answer = handler(record);
      http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
      for (const auto& [name, value] : answer.headers) response.set(name, value);
      response.body() = answer.body;
      if (answer.kind == Response::Kind::sse) {
        // A stream sent whole: the gateway reads events the same way.
        response.set(http::field::content_type, "text/event-stream");
        response.body().clear();
        for (const auto& event : answer.sse.events) response.body() += event;
      }
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      auto [write_ec, written] = co_await http::async_write(stream, response, token);
      if (write_ec || !request.keep_alive()) co_return;
    }
  }
};

TlsFakeUpstream::TlsFakeUpstream(const TlsIdentity& identity, Handler handler)
    : impl_(std::make_unique<Impl>(*this, identity, std::move(handler))) {}

TlsFakeUpstream::~TlsFakeUpstream() = default;

std::string TlsFakeUpstream::base_url(std::string_view host) const {
  return "https://" + std::string(host) + ":" + std::to_string(port_) + "/v1";
}

std::string TlsFakeUpstream::last_server_name() const {
  std::lock_guard lock(mutex_);
  return server_name_;
}

std::vector<RecordedRequest> TlsFakeUpstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

}  // namespace itest
