#include "core/relocation/text.h"

#include <algorithm>
#include <cmath>

namespace cellscope::relocation {

std::string groupedNumber(std::int64_t value)
{
    std::string digits = std::to_string(value < 0 ? -value : value);
    for (auto at = static_cast<std::ptrdiff_t>(digits.size()) - 3; at > 0; at -= 3)
        digits.insert(static_cast<std::size_t>(at), ",");
    return value < 0 ? "-" + digits : digits;
}

std::string humanDuration(double seconds)
{
    const auto total = static_cast<std::int64_t>(std::llround(std::max(0.0, seconds)));
    if (total < 60)
        return std::to_string(total) + " s";
    if (total < 3600)
        return std::to_string(total / 60) + " min" +
               (total % 60 ? " " + std::to_string(total % 60) + " s" : "");
    return std::to_string(total / 3600) + " h" +
           (total % 3600 / 60 ? " " + std::to_string(total % 3600 / 60) + " min" : "");
}

} // namespace cellscope::relocation
