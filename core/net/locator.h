#pragma once

#include "core/net/http_service.h"
#include "core/routing/locate.h"
#include "core/snapshot/snapshot.h"

#include <functional>
#include <string>
#include <string_view>

// Synapse's locator (see docs/routing.md): which cell serves an organization id, slug or project key,
// answered from a Snapshot, and its standalone HTTP API.
namespace cellscope::net {

// The lookup itself is routing's (core/routing/locate.h); the locator serves it over HTTP.
using routing::DefaultCells;
using routing::locate;
using routing::locateHttpStatus;
using routing::locateMessage;
using routing::LocateResult;
using routing::LocateStatus;

// The current world, or null while not ready (a locator fed by the control API before its first pull).
using SnapshotProvider = std::function<SnapshotPtr()>;

// Handler for Synapse's standalone locator API:
//   GET /?id=<id|slug|key>[&locality=<loc>] → 200 {"cell": …}, 404/503 {"error_message": …}
//   GET /health → 200; GET /ready → 200 when a snapshot is loaded, else 503.
// A missing id is 400, another path 404, another method 405, all with {"error_message": …}.
HttpHandler locatorHandler(SnapshotProvider snapshot, DefaultCells defaults = {});

} // namespace cellscope::net
