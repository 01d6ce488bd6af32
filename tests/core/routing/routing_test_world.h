#pragma once

#include "core/routing/catalog.h"
#include "core/snapshot/snapshot.h"

#include <gtest/gtest.h>

#include <optional>

namespace cellscope::routing::testworld {

// The routing tests' world, built in test_trace_world.cpp (its constants are documented there).
SnapshotPtr routingTestWorld();

// A suite sharing that world and the bundled catalog, built once for all its tests.
class RoutingWorldTest : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        s_world = routingTestWorld();
        s_catalog.emplace(Catalog::bundled());
    }
    static void TearDownTestSuite()
    {
        s_catalog.reset();
        s_world.reset();
    }

    static inline SnapshotPtr s_world;
    static inline std::optional<Catalog> s_catalog;
};

} // namespace cellscope::routing::testworld
