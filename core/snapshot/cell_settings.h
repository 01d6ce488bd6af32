#pragma once

#include "core/model/topology.h"
#include "core/snapshot/snapshot.h"

#include <QByteArray>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Sentry's cell settings, SENTRY_CELLS and SENTRY_LOCALITIES (with SENTRY_FALLBACK_CELL), read
// from a JSON or YAML file with Sentry's field names and checked with Sentry's own rules (see
// docs/cell-model.md, "Checking Sentry's cell settings").
namespace cellscope {

struct CellSettingsLocality
{
    Locality locality;              // cells left empty: the names below may name no defined cell
    std::vector<std::string> cells; // as written
};

struct CellSettings
{
    std::vector<Cell> cells;
    std::vector<CellSettingsLocality> localities; // as configured, or one per cell when none is
    bool localitiesConfigured = false;
    std::optional<std::string> fallbackCell;
};

struct CellSettingsProblem
{
    std::string code;
    std::string message;
};

struct CellSettingsReport
{
    CellSettings settings;
    std::vector<CellSettingsProblem> errors;

    int exitStatus() const noexcept { return errors.empty() ? 0 : 1; }
};

// {"SENTRY_CELLS": [{"name", "snowflake_id"?, "address"?, "category"?, "visible"?}],
//  "SENTRY_LOCALITIES"?: [{"name", "cells", "new_org_cell"?, "category"?, "visible"?}],
//  "SENTRY_FALLBACK_CELL"?: name}, as JSON or YAML. A malformed file (a wrong type, a missing name,
// an unknown category) throws Error(BadInput) naming the field. Then Sentry's rules: every cell in
// exactly one locality (cell_without_locality, cell_in_several_localities), localities name only
// defined cells (unknown_cell), a locality's new_org_cell is one of its cells
// (new_org_cell_outside_locality), names are unique (duplicate_cell, duplicate_locality), and the
// fallback cell is defined (unknown_fallback_cell). With no localities each cell is its own.
CellSettingsReport validateCellSettings(std::string_view text, const std::string& origin);
CellSettingsReport validateCellSettingsFile(const std::string& path);

// Whether FILE looks like cell settings rather than a snapshot: a SENTRY_CELLS key near its start
// (a snapshot file never has one as a key). Reads at most 64 KiB.
bool isCellSettingsFile(const std::string& path);

// A world of the settings' topology alone (localities, cells, the fallback cell as the monolith
// cell; no organizations): what `--snapshot FILE` opens for a cell settings file, so a host rule
// can be traced or a Synapse configuration linted against cells about to be deployed. Settings
// that break one of Sentry's rules are refused: Error(BadInput) naming the first problem.
SnapshotPtr snapshotFromCellSettings(const CellSettingsReport& report, const std::string& origin);

// {"valid", "fallback_cell", "cells": [...], "localities": [{"name", "cells", "new_org_cell"}],
//  "errors": [{"code", "message"}]}
QByteArray cellSettingsReportToJson(const CellSettingsReport& report);
std::string cellSettingsReportToText(const CellSettingsReport& report, const std::string& origin);

} // namespace cellscope
