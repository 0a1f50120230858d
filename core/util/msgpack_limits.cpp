#include "util/msgpack_limits.h"

#include <exception>
#include <memory>
#include <new>
#include <string>

namespace relais {

namespace {

bool reference_everything(msgpack::type::object_type, std::size_t, void*) { return true; }

}  // namespace

Result<msgpack::object_handle> unpack_bounded(ByteView data, const MsgpackLimits& limits, MsgpackCopy copy,
                                              size_t* consumed) {
  auto zone = msgpack::unique_ptr<msgpack::zone>(new msgpack::zone);
  auto obj = unpack_bounded_into(*zone, data, limits, copy, consumed);
  if (!obj.ok()) return obj.status();
  return msgpack::object_handle(*obj, std::move(zone));
}

Result<msgpack::object> unpack_bounded_into(msgpack::zone& zone, ByteView data, const MsgpackLimits& limits,
                                            MsgpackCopy copy, size_t* consumed) {
  if (data.size() > limits.max_bytes) {
    return Status::Invalid("msgpack: input of " + std::to_string(data.size()) + " bytes exceeds the limit of " +
                           std::to_string(limits.max_bytes));
  }
  if (data.empty()) return Status::Invalid("msgpack: empty input");
  const msgpack::unpack_limit limit(limits.array, limits.map, limits.str, limits.bin, limits.ext, limits.depth);
  msgpack::unpack_reference_func ref = copy == MsgpackCopy::kReference ? &reference_everything : nullptr;
  std::size_t off = 0;
  try {
    msgpack::object obj =
        msgpack::unpack(zone, reinterpret_cast<const char*>(data.data()), data.size(), off, ref, nullptr, limit);
    if (consumed != nullptr) {
      *consumed = off;
    } else if (off != data.size()) {
      return Status::Invalid("msgpack: " + std::to_string(data.size() - off) + " trailing bytes after the value");
    }
    return obj;
  } catch (const msgpack::insufficient_bytes&) {
    return Status::Invalid("msgpack: truncated input");
  } catch (const msgpack::depth_size_overflow&) {
    return Status::Invalid("msgpack: nesting deeper than " + std::to_string(limits.depth));
  } catch (const msgpack::array_size_overflow&) {
    return Status::Invalid("msgpack: array longer than " + std::to_string(limits.array) + " elements");
  } catch (const msgpack::map_size_overflow&) {
    return Status::Invalid("msgpack: map larger than " + std::to_string(limits.map) + " pairs");
  } catch (const msgpack::str_size_overflow&) {
    return Status::Invalid("msgpack: string longer than " + std::to_string(limits.str) + " bytes");
  } catch (const msgpack::bin_size_overflow&) {
    return Status::Invalid("msgpack: binary longer than " + std::to_string(limits.bin) + " bytes");
  } catch (const msgpack::ext_size_overflow&) {
    return Status::Invalid("msgpack: extension value longer than " + std::to_string(limits.ext) + " bytes");
  } catch (const msgpack::parse_error&) {
    return Status::Invalid("msgpack: malformed input");
  } catch (const std::bad_alloc&) {
    return Status::Invalid("msgpack: out of memory while decoding");
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("msgpack: ") + e.what());
  } catch (...) {
    return Status::Invalid("msgpack: undecodable input");
  }
}

}  // namespace relais
