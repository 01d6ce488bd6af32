#pragma once

#include <QJsonValue>

#include <cstdint>
#include <optional>
#include <string>

namespace cellscope {

// "a string", "an array", … — for error messages that say what a JSON file had instead.
std::string jsonTypeName(const QJsonValue& value);

// A JSON number as a 64-bit id: only when it is finite, whole and in range (a cast of 1e300 to an
// integer is undefined behaviour in C++, and 1.5 is no id).
std::optional<std::int64_t> exactInt64(double number) noexcept;

} // namespace cellscope
