// Event records: what the broker saw, logged beside the messages so that
// auditors see denied attempts, deliveries and acks, not only messages.
//
// An event body is a msgpack map with string keys; "event" names the kind:
//   broker_start {version}
//   bundle_loaded {serial, hash, bundle}: at start and after each accepted
//                 reload; bundle = the whole signed bundle file (bin), so the
//                 log alone says which bundle every later record was judged by
//   reload_refused {why, serial?}: a reload that changed nothing (serial of
//                 the refused file when it could be read)
//   connect {who, addr}               disconnect {who, why}
//   auth_failure {key, addr, why, count, interval_ms}: refused handshakes
//                 from one source for one reason in one interval (key: the
//                 last tried; addr "other": the rest, summed)
//   refusal {who, code, why, topic?, id?}
//   subscribe {who, pattern, durable} delivery {items: [[who, sub, seq, count]...]}
//   ack {items: [[who, seq]...]}      nack {who, seq, code, why}
//   dead_letter {who, seq, deliveries}
//   expired {who, seq}: a record not delivered to `who` because its
//                 envelope had expired; settled as if acknowledged
//   erasure {ground, serial, order?, seqs}: the ciphertexts of the message
//                 records `seqs` are erased on this ground ("retention", or
//                 "order" with the order's number) under bundle `serial`,
//                 the one in force; the records are rewritten after this
//                 event is durable (docs/log-format.md §Erasure)
//   erased_unread {who, seq}: a record not delivered to `who`'s durable
//                 subscription or mailbox because its message was erased;
//                 settled as if acknowledged
//   restored {epoch, previous_epoch, size, root, last_known_seq}: the first
//                 record of a log epoch that relais-admin restore began from
//                 a backup ending at the checkpoint (size, root) of
//                 previous_epoch; last_known_seq: the highest seq anyone may
//                 hold, or "unknown" (docs/log-format.md §Epochs)
//   broker_stop {}: a clean stop
// Bodies never contain message plaintext or keys. EventBuilder is a small
// reusable encoder (not thread-safe); decode_event gives a generic JSON view.
#pragma once

#include <cstdint>
#include <string_view>

#include <msgpack.hpp>

#include "util/bytes.h"

namespace relais {

class EventBuilder {
 public:
  // Starts an event of `kind` with `fields` more key/value pairs to follow.
  EventBuilder& begin(std::string_view kind, uint32_t fields);
  EventBuilder& str(std::string_view key, std::string_view value);
  EventBuilder& u64(std::string_view key, uint64_t value);
  EventBuilder& bin(std::string_view key, ByteView value);
  // Starts an array field of n items; the caller then packs items with raw().
  EventBuilder& array(std::string_view key, uint32_t n);
  msgpack::packer<EventBuilder>& raw() { return packer_; }
  const Bytes& bytes() const { return buf_; }

  // msgpack packer sink
  void write(const char* d, size_t n) { buf_.insert(buf_.end(), d, d + n); }

 private:
  void key(std::string_view k);
  Bytes buf_;
  msgpack::packer<EventBuilder> packer_{*this};
};

}  // namespace relais
