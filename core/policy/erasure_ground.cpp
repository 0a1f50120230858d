#include "policy/erasure_ground.h"

namespace relais {

std::string ErasureGround::describe() const {
  return kind == Kind::kRetention ? "erased under retention" : "erased by order " + std::to_string(order);
}

Status erasure_ground_holds(const Policy& policy, const ErasureGround& ground, const ErasureSubject& m,
                            int64_t event_ts_ms) {
  if (ground.kind == ErasureGround::Kind::kRetention) {
    const auto period = policy.retention_for(m.type);
    if (!period)
      return Status::Invalid("the policy in force gives " + std::string(m.type) + " no retention period");
    if (m.record_ts_ms > event_ts_ms - *period)
      return Status::Invalid("its retention period (" + std::to_string(*period / 1000) +
                             " s for " + std::string(m.type) + ") had not passed when the erasure was logged");
    return Status::Ok();
  }
  const ErasureOrder* o = policy.erasure_order(ground.order);
  if (o == nullptr)
    return Status::Invalid("the policy in force holds no erasure order " + std::to_string(ground.order));
  if (!o->id.empty()) {
    if (o->id == m.id) return Status::Ok();
    return Status::Invalid("erasure order " + std::to_string(o->number) + " names another message");
  }
  if (m.case_ref != nullptr && m.case_ref->has_value() && **m.case_ref == o->case_ref) return Status::Ok();
  return Status::Invalid("the message is not of the case erasure order " + std::to_string(o->number) + " names");
}

}  // namespace relais
