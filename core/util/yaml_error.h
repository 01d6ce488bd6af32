#pragma once

#include "core/util/error.h"

#include <string>

namespace cellscope {

// A problem with a YAML file; line is 1-based, 0 when it has no place in the file.
class YamlError : public Error
{
public:
    YamlError(const std::string& message, int line) : Error(ErrorCode::BadInput, message), m_line(line) {}
    int line() const noexcept { return m_line; }

private:
    int m_line;
};

} // namespace cellscope
