#include "core/util/json_type.h"

#include <cmath>

namespace cellscope {

std::string jsonTypeName(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return "null";
    case QJsonValue::Bool:
        return "a boolean";
    case QJsonValue::Double:
        return "a number";
    case QJsonValue::String:
        return "a string";
    case QJsonValue::Array:
        return "an array";
    case QJsonValue::Object:
        return "an object";
    default:
        return "nothing";
    }
}

std::optional<std::int64_t> exactInt64(double number) noexcept
{
    // [-2^63, 2^63): both bounds are exact doubles; NaN fails every comparison.
    if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0) || std::trunc(number) != number)
        return std::nullopt;
    return static_cast<std::int64_t>(number);
}

} // namespace cellscope
