// Realistic documents for the bench stores (bench/store_fill.h): alerts,
// referrals and statistics reports that pass their schemas and the
// deployment's content rules, varied by the message's index so that no two
// are alike (kinds, urgencies, periods, ids). Pure functions.
#pragma once

#include <cstddef>
#include <string>

namespace relais::bench {

// alert/2 about (region, prefecture); its topic is
// alert.<fill_alert_kind(i)>.<region>.<prefecture>.
std::string fill_alert_kind(size_t i);
std::string fill_alert_json(size_t i, const std::string& region, const std::string& prefecture);

// referral/2 from `from_org` to `to_org` (topic referral.<to_org>).
std::string fill_referral_json(size_t i, const std::string& from_org, const std::string& to_org);

// statistics-report/2 of a committee (topic stats.<prefecture>): one month,
// month i counted back from November 2026 (84 months), with report id <prefecture>-b<i>.
std::string fill_statistics_json(size_t i, const std::string& region, const std::string& prefecture);

// "immediate" about 1 in 20, "urgent" about 1 in 5, else "routine".
std::string fill_urgency(size_t i);

}  // namespace relais::bench
