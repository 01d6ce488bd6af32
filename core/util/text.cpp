#include "core/util/text.h"

namespace cellscope {

std::string firstLine(std::string text)
{
    if (const auto end = text.find('\n'); end != std::string::npos)
        text.resize(end);
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

} // namespace cellscope
