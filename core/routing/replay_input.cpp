#include "core/routing/replay_input.h"

#include "core/util/decoded_input.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

namespace cellscope::routing {

namespace {

// Big enough that handing a block over costs nothing next to classifying it (~50k lines).
constexpr std::size_t kBlockBytes = 4 << 20;
constexpr std::size_t kReadBytes = 64 << 10;

// Blocks from the reader to the classifiers; bounded, so a fast reader waits instead of
// filling memory.
class BlockQueue
{
public:
    explicit BlockQueue(std::size_t capacity) : m_capacity(capacity) {}

    void push(std::string block)
    {
        std::unique_lock lock(m_mutex);
        m_notFull.wait(lock, [&] { return m_blocks.size() < m_capacity || m_closed; });
        if (m_closed)
            return;
        m_blocks.push_back(std::move(block));
        m_notEmpty.notify_one();
    }
    std::optional<std::string> pop()
    {
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait(lock, [&] { return !m_blocks.empty() || m_closed; });
        if (m_blocks.empty())
            return std::nullopt;
        std::string block = std::move(m_blocks.front());
        m_blocks.pop_front();
        m_notFull.notify_one();
        return block;
    }
    // No more blocks: consumers drain what is queued, then stop; a blocked producer returns.
    void close()
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_notEmpty.notify_all();
        m_notFull.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_notEmpty, m_notFull;
    std::deque<std::string> m_blocks;
    std::size_t m_capacity;
    bool m_closed = false;
};

// Reads blocks that end at a line boundary (the last block may not). A line longer than
// Replayer::kMaxLineBytes that crosses blocks is dropped here as it streams by and counted in
// `overlong`, as one replayer would count it; shorter ones are carried whole into the next block.
class BlockReader
{
public:
    explicit BlockReader(DecodedInput& input) : m_input(input) {}

    std::optional<std::string> next()
    {
        while (true) {
            std::string block = std::move(m_carry);
            m_carry.clear();
            // Filled piece by piece up to a whole block: a pipe hands over a little at a time, and a
            // small input should not pay for a block it does not fill — nor for a whole read: reads
            // start at 4 KiB and double up to kReadBytes.
            while (!m_atEnd && block.size() < kBlockBytes) {
                const std::size_t kept = block.size();
                const std::size_t want = std::clamp<std::size_t>(kept, 4 << 10, kReadBytes);
                block.resize(kept + want);
                const std::size_t got = m_input.read(block.data() + kept, want);
                block.resize(kept + got);
                m_atEnd = got == 0;
            }
            if (m_dropping && !dropLongLine(block)) {
                if (m_atEnd)
                    break;
                continue;
            }
            const std::size_t lastNewline = block.rfind('\n');
            if (m_atEnd || lastNewline == block.size() - 1) {
                if (!block.empty())
                    return block;
                break;
            }
            const std::size_t tail = lastNewline == std::string::npos ? 0 : lastNewline + 1;
            if (block.size() - tail > Replayer::kMaxLineBytes) {
                block.resize(tail); // the start of an overlong line: drop it and what follows
                m_dropping = true;
            } else {
                m_carry.assign(block, tail);
                block.resize(tail);
            }
            if (!block.empty())
                return block;
        }
        if (m_dropping) {
            ++overlong;
            m_dropping = false;
        }
        return std::nullopt;
    }

    std::uint64_t overlong = 0;

private:
    // Removes the rest of an overlong line from the front of `block`; false when the line goes on
    // past it (the whole block was dropped).
    bool dropLongLine(std::string& block)
    {
        const std::size_t newline = block.find('\n');
        if (newline == std::string::npos) {
            block.clear();
            return false;
        }
        block.erase(0, newline + 1);
        ++overlong;
        m_dropping = false;
        return true;
    }

    DecodedInput& m_input;
    std::string m_carry;
    bool m_atEnd = false;
    bool m_dropping = false;
};

} // namespace

ReplayReport replayInput(const Snapshot& snapshot, const Catalog& catalog, const ReplayOptions& options,
                         QIODevice& device, const std::string& name, unsigned threads)
{
    if (threads == 0)
        threads = std::max(1u, std::thread::hardware_concurrency());
    threads = std::min(threads, kMaxReplayThreads);
    DecodedInput input(device, name);
    BlockReader reader(input);
    Replayer merged(snapshot, catalog, options);
    if (threads == 1) {
        while (std::optional<std::string> block = reader.next())
            merged.feed(*block);
    } else {
        BlockQueue queue(2 * threads);
        std::vector<std::optional<Replayer>> replayers(threads);
        std::vector<std::exception_ptr> errors(threads);
        std::vector<std::jthread> workers;
        for (unsigned i = 0; i < threads; ++i) {
            replayers[i].emplace(snapshot, catalog, options);
            workers.emplace_back([&, i] {
                try {
                    while (std::optional<std::string> block = queue.pop())
                        replayers[i]->feed(*block);
                    replayers[i]->finish();
                } catch (...) {
                    errors[i] = std::current_exception();
                }
            });
        }
        try {
            while (std::optional<std::string> block = reader.next())
                queue.push(std::move(*block));
        } catch (...) {
            queue.close();
            throw; // the workers drain and join as they go out of scope
        }
        queue.close();
        workers.clear();
        for (const std::exception_ptr& error : errors)
            if (error)
                std::rethrow_exception(error);
        for (const auto& replayer : replayers)
            merged.merge(*replayer);
    }
    merged.finish();
    ReplayReport report = merged.report();
    report.lines += reader.overlong;
    report.malformed += reader.overlong;
    return report;
}

} // namespace cellscope::routing
