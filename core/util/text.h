#pragma once

#include <string>
#include <string_view>

namespace cellscope {

// The first line of a (database) message, without trailing blanks: errors are one sentence.
std::string firstLine(std::string text);

// A URL as it may be shown, stored or logged: without the password of its user information
// (http://user@host/ for http://user:secret@host/), unchanged when it has none. Text that is not a
// well-formed URL with a host loses everything between "://" (or its start) and its last '@', which
// is all that could be user information.
std::string withoutUrlPassword(std::string_view url);

} // namespace cellscope
