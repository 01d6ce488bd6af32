#pragma once
// A deliberate violation for the layer check's own test: db may not include routing.
#include "core/routing/route.h"
