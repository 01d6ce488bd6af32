#pragma once
#include "core/db/leak.h"
