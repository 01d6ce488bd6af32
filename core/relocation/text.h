#pragma once

#include "core/util/text.h"

#include <cstdint>
#include <string>

namespace cellscope::relocation {

// "1,234,567": row counts people read at a glance.
std::string groupedNumber(std::int64_t value);

// "45 s", "3 min 5 s", "2 h 10 min": durations in status sentences.
std::string humanDuration(double seconds);

} // namespace cellscope::relocation
