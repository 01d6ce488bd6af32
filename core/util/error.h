#pragma once

#include <stdexcept>
#include <string>

namespace cellscope {

// One error model for the whole core. Faces map the code to an exit status or a UI message;
// the message is a single human sentence that can be shown as is.
enum class ErrorCode
{
    BadInput = 2,    // malformed file, unknown org, bad argument: the user can fix it
    Unreachable = 3, // database or server not reachable
    CheckFailed = 1, // a check ran and found a problem (route test failures, verify mismatch)
    Conflict = 4,    // a state that forbids the action (e.g. relocation already running)
    Permission = 5,  // the database refused the action for this role
    Internal = 70,   // a bug or an unexpected state of the environment
};

class Error : public std::runtime_error
{
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    ErrorCode code() const noexcept { return m_code; }
    int exitStatus() const noexcept { return static_cast<int>(m_code); }

private:
    ErrorCode m_code;
};

[[noreturn]] inline void fail(ErrorCode code, const std::string& message)
{
    throw Error(code, message);
}

} // namespace cellscope
