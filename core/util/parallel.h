#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace cellscope {

// Runs body(begin, end, slice) over `slices` contiguous slices of [0, total) at once: slice 0 on
// the calling thread, each other slice on a thread of its own, and returns when all are done.
// Slices differ in size by at most one. The first exception a slice throws is rethrown after every
// slice has finished, so a slice never outlives the data it reads. Meant for data-parallel passes
// over an immutable snapshot or a buffer of input, where a thread per slice is cheap next to the
// slice's work; one slice (or total below slices) runs inline with no thread at all.
template <typename Body>
void forEachSlice(std::size_t total, unsigned slices, Body&& body)
{
    slices = static_cast<unsigned>(std::clamp<std::size_t>(std::min<std::size_t>(slices, total), 1, 1024));
    auto bounds = [&](unsigned slice) {
        return total / slices * slice + std::min<std::size_t>(slice, total % slices);
    };
    if (slices == 1) {
        body(std::size_t{0}, total, 0u);
        return;
    }
    std::vector<std::exception_ptr> errors(slices);
    auto run = [&](unsigned slice) {
        try {
            body(bounds(slice), bounds(slice + 1), slice);
        } catch (...) {
            errors[slice] = std::current_exception();
        }
    };
    std::vector<std::jthread> threads;
    threads.reserve(slices - 1);
    for (unsigned slice = 1; slice < slices; ++slice)
        threads.emplace_back(run, slice);
    run(0);
    threads.clear(); // joins
    for (const std::exception_ptr& error : errors)
        if (error)
            std::rethrow_exception(error);
}

} // namespace cellscope
