#include "desk/desk_cert.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "util/files.h"

namespace relais::desk {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

Result<std::string> pem_of(const std::function<int(BIO*)>& write) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return Status::IOError("OpenSSL could not encode the certificate or key");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string fingerprint_of(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    if (i) out += ':';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

bool is_ip(const std::string& h) {
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

}  // namespace

Result<DeskCertificate> make_desk_certificate(const std::string& cert_path, const std::string& key_path,
                                              const std::vector<std::string>& hostnames, int days) {
  for (const auto& p : {cert_path, key_path}) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0)
      return Status::Invalid(p + " already exists: move it away first if you mean to replace the certificate "
                                 "(every PC will then have to check the new fingerprint)");
  }
  if (hostnames.empty()) return Status::Invalid("the desk has no host name: set [desk] listen or hostnames first");
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return Status::IOError("OpenSSL could not make a key");
  Owned<X509> cert(X509_new());
  if (!cert) return Status::IOError("OpenSSL could not make a certificate");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return Status::IOError("OpenSSL could not draw a serial number");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Relais desk"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(hostnames[0].c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san;
  for (const auto& h : hostnames) san += (san.empty() ? "" : ",") + std::string(is_ip(h) ? "IP:" : "DNS:") + h;
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : std::vector<std::pair<int, std::string>>{
           {NID_subject_alt_name, san},
           {NID_basic_constraints, "critical,CA:FALSE"},
           {NID_key_usage, "critical,digitalSignature"},
           {NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    if (!ext) return Status::Invalid("a desk host name is not usable in a certificate: check [desk] hostnames");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Status::IOError("OpenSSL could not sign the certificate");

  auto key_pem = pem_of([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!key_pem.ok()) return key_pem.status();
  auto cert_pem = pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  if (!cert_pem.ok()) return cert_pem.status();
  Bytes kb(key_pem->begin(), key_pem->end());
  Bytes cb(cert_pem->begin(), cert_pem->end());
  if (Status s = write_file_durable(key_path, kb, 0600); !s.ok()) return s;
  if (Status s = write_file_durable(cert_path, cb, 0644); !s.ok()) return s;
  return DeskCertificate{cert_path, key_path, fingerprint_of(cert.get())};
}

Result<std::string> certificate_fingerprint(const std::string& cert_path) {
  FILE* f = std::fopen(cert_path.c_str(), "r");
  if (!f) return Status::IOError("cannot read " + cert_path + ": check the path in [desk] tls_cert");
  X509* raw = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!raw) return Status::Invalid(cert_path + " is not a PEM certificate");
  Owned<X509> cert(raw);
  return fingerprint_of(cert.get());
}

}  // namespace relais::desk
