#pragma once

#include <optional>
#include <string>

namespace cellscope::relocation {

// What a locator (Synapse's router API, or `cellctl serve locator`) answered for an id.
struct LocatorReply
{
    std::optional<std::string> cell; // the cell it names; none: it named none, or did not answer
    std::string message;             // why there is no cell
};

// Asks a locator which cell it sends an organization id, slug or DSN public key to, for the drain
// after a switch. The runner cannot speak HTTP (core/net shares its layer): the face that runs it
// hands one in (the CLI and the console ask with core/net's locator client). Called on the
// runner's thread.
class LocatorProbe
{
public:
    virtual ~LocatorProbe() = default;
    virtual LocatorReply ask(const std::string& locatorUrl, const std::string& id,
                             const std::string& locality) = 0;
};

} // namespace cellscope::relocation
