#pragma once

#include "core/net/http_service.h"
#include "core/net/mapping_table.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cellscope::net {

// The cell/locality directory the endpoints need: which cells a locality= filter selects, and the
// metadata.cell_to_locality map every page carries.
struct ControlTopology
{
    std::map<std::string, std::string> cellToLocality;
    std::map<std::string, std::vector<std::string>> cellsOfLocality;
};
ControlTopology controlTopology(const Snapshot& snapshot);

// Handler for Sentry's two Synapse endpoints, answered as Sentry answers them:
//   GET /api/0/internal/org-cell-mappings/ and /api/0/internal/projectkey-cell-mappings/
//   ?locality=L (repeatable) &cursor=C &per_page=N (default 100, at most 10000)
//   → {"data": [...], "metadata": {"cursor", "has_more", "cell_to_locality"}}
// 401 {"detail"} without a valid "Authorization: Signature synapse0:…" for `secret`; 400 {"detail"}
// for a bad cursor or per_page; 404 for other paths, 405 for other methods.
HttpHandler controlApiHandler(std::shared_ptr<MappingTable> table, ControlTopology topology,
                              QByteArray secret);

} // namespace cellscope::net
