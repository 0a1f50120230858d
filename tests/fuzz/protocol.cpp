// Protocol frame decode (core/net/protocol.h, framing.h): the first byte picks
// the command whose arguments the rest is decoded as (or the packed framing,
// or the start-position parsers); every decoder of protocol 2 runs, FETCH,
// DATA and NOTICE included, and the payloads of FETCH checkpoint, consistency
// and inclusion.
#include <algorithm>

#include "fuzz/harnesses.h"
#include "net/framing.h"
#include "net/protocol.h"

namespace relais::fuzz {
namespace {

template <typename Args>
void decode_roundtrip(ByteView in) {
  Args a;
  if (!decode_args(in, &a).ok()) return;
  // A decoded frame re-encodes to something that decodes again.
  Bytes out;
  encode_args(a, &out);
  Args b;
  FUZZ_CHECK(decode_args(out, &b).ok());
}

// A FETCH payload that decodes encodes back to the same bytes (the layouts are fixed).
template <typename Data>
void fetch_data_roundtrip(ByteView in) {
  Data d;
  if (!decode_fetch_data(in, &d).ok()) return;
  const Bytes again = encode_fetch_data(d);
  FUZZ_CHECK(std::equal(again.begin(), again.end(), in.begin(), in.end()));
}

}  // namespace

int fuzz_protocol(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ByteView in(data + 1, size - 1);
  switch (data[0] % 16) {
    case 0: decode_roundtrip<HelloArgs>(in); break;
    case 1: decode_roundtrip<WelcomeArgs>(in); break;
    case 2: decode_roundtrip<PubArgs>(in); break;
    case 3: decode_roundtrip<SubArgs>(in); break;
    case 4: decode_roundtrip<UnsubArgs>(in); break;
    case 5: decode_roundtrip<AckArgs>(in); break;
    case 6: decode_roundtrip<NackArgs>(in); break;
    case 7: decode_roundtrip<PubAckArgs>(in); break;
    case 8: decode_roundtrip<SubOkArgs>(in); break;
    case 9: decode_roundtrip<ErrorArgs>(in); break;
    case 10: decode_roundtrip<MsgArgs>(in); break;
    case 11: {  // a packed frame (net/framing.h) splits within itself and packs back
      auto f = split_packed_frame(in);
      if (!f.ok()) break;
      FUZZ_CHECK(f->args.size() + f->envelope.size() <= in.size());
      if (!f->cmd) break;
      Bytes again;
      pack_frame(*f->cmd, f->args, f->envelope, &again);
      auto g = split_packed_frame(again);
      FUZZ_CHECK(g.ok() && g->cmd == f->cmd && std::equal(g->args.begin(), g->args.end(), f->args.begin(), f->args.end()) &&
                 std::equal(g->envelope.begin(), g->envelope.end(), f->envelope.begin(), f->envelope.end()));
      break;
    }
    case 13: decode_roundtrip<FetchArgs>(in); break;
    case 14: decode_roundtrip<DataArgs>(in); break;
    case 15: decode_roundtrip<NoticeArgs>(in); break;
    case 12: {
      const std::string_view text = as_chars(in);
      // FETCH checkpoint, consistency and inclusion: arguments and payloads.
      uint64_t a = 0, b = 0;
      (void)parse_fetch_pair(text, &a, &b);
      fetch_data_roundtrip<CheckpointData>(in);
      fetch_data_roundtrip<ConsistencyData>(in);
      fetch_data_roundtrip<InclusionData>(in);
      (void)parse_command(text);
      if (auto p = parse_start_position_text(text); p.ok()) {
        auto back = parse_start_position_wire(start_position_to_wire(*p));
        FUZZ_CHECK(back.ok() && back->kind == p->kind && back->value == p->value);
      }
      (void)parse_start_position_wire(text);
      break;
    }
  }
  return 0;
}

}  // namespace relais::fuzz
