#pragma once

#include <string>

namespace cellscope {

// The first line of a (database) message, without trailing blanks: errors are one sentence.
std::string firstLine(std::string text);

} // namespace cellscope
