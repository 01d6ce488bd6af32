#pragma once

#include <QJsonValue>

#include <string>

namespace cellscope {

// "a string", "an array", … — for error messages that say what a JSON file had instead.
std::string jsonTypeName(const QJsonValue& value);

} // namespace cellscope
