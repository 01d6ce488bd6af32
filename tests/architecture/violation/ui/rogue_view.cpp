// A view that starts its own thread: check_background.cmake must refuse it.
#include <thread>

void refresh()
{
    std::thread([] {}).detach();
}
