#pragma once

#include "core/util/yaml_error.h"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>

// YAML read with yaml-cpp under budgets, so hostile input is refused quickly with bounded memory:
// the size before parsing, then the nesting depth and the node count (an alias counted each time
// it is used, so an alias bomb stops at the budget) before anything is read from the tree.
// Included only by the .cpp files that read YAML (Synapse configurations, cell settings).
namespace cellscope {

struct YamlLimits
{
    std::size_t bytes = 8 * 1024 * 1024;
    std::size_t nodes = 1'000'000;
    int depth = 64;
};

// "origin:line: sentence" (or "origin: sentence" without a line), thrown as a YamlError.
[[noreturn]] void failYaml(const std::string& origin, int line, const std::string& sentence);
int yamlLine(const YAML::Node& node); // 1-based; 0 for a missing node

// Parses one document. Throws YamlError for input over the limits, invalid YAML and duplicate keys
// (which serde, and so Synapse and most readers, refuse).
YAML::Node loadYaml(std::string_view text, const std::string& origin, const YamlLimits& limits = {});
// Reads a file refused before reading when it is larger than limits.bytes; Error(BadInput) when it
// does not exist or cannot be read.
std::string readYamlFile(const std::string& path, const YamlLimits& limits = {});

} // namespace cellscope
