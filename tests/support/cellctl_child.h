#pragma once

// A cellctl child process for tests that kill runners or hold them at a fault point: its stderr is
// read line by line, stdout goes to /dev/null. `fault` is CELLSCOPE_RELOCATION_FAULT (a
// cellctl_faults binary acts on it; see tests/support/fault_hook.cpp).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace cellscope::test {

class Child
{
public:
    Child(const std::vector<std::string>& args, const std::string& fault, const char* program)
    {
        int pipeFds[2];
        if (pipe(pipeFds) != 0)
            throw std::runtime_error("pipe failed");
        m_pid = fork();
        if (m_pid == 0) {
            dup2(pipeFds[1], STDERR_FILENO);
            const int null = ::open("/dev/null", O_WRONLY);
            dup2(null, STDOUT_FILENO);
            close(pipeFds[0]);
            setenv("CELLSCOPE_RELOCATION_FAULT", fault.c_str(), 1);
            setenv("CELLSCOPE_CONFIG", "/nonexistent/cellscope.ini", 1);
            std::vector<char*> argv{const_cast<char*>(program)};
            for (const std::string& arg : args)
                argv.push_back(const_cast<char*>(arg.c_str()));
            argv.push_back(nullptr);
            execv(program, argv.data());
            _exit(127);
        }
        close(pipeFds[1]);
        m_stderr = pipeFds[0];
    }
    ~Child()
    {
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
        close(m_stderr);
    }

    // Reads stderr until a line equals `line`; false at end of output or after the timeout.
    bool waitForLine(const std::string& line, std::chrono::seconds timeout = std::chrono::seconds(60))
    {
        const auto until = std::chrono::steady_clock::now() + timeout;
        std::string pending;
        while (std::chrono::steady_clock::now() < until) {
            pollfd fd{m_stderr, POLLIN, 0};
            if (poll(&fd, 1, 200) <= 0)
                continue;
            char buffer[4096];
            const ssize_t got = read(m_stderr, buffer, sizeof buffer);
            if (got <= 0)
                return false;
            pending.append(buffer, static_cast<std::size_t>(got));
            m_output.append(buffer, static_cast<std::size_t>(got));
            for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
                if (pending.substr(0, end) == line)
                    return true;
                pending.erase(0, end + 1);
            }
        }
        return false;
    }

    void killHard()
    {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

    const std::string& output() const { return m_output; }

private:
    pid_t m_pid = -1;
    int m_stderr = -1;
    std::string m_output;
};

} // namespace cellscope::test
