#include "core/util/yaml_load.h"

#include <yaml-cpp/depthguard.h>

#include <QFile>
#include <QFileInfo>

#include <set>

namespace cellscope {

namespace {

void checkBudget(const YAML::Node& node, int depth, std::size_t& visited, const YamlLimits& limits,
                 const std::string& origin)
{
    if (++visited > limits.nodes)
        failYaml(origin, yamlLine(node),
                 "the document expands to more than " + std::to_string(limits.nodes) +
                     " nodes (an alias bomb?); a configuration file is far smaller");
    if (depth > limits.depth)
        failYaml(origin, yamlLine(node),
                 "the document nests deeper than " + std::to_string(limits.depth) + " levels");
    if (node.IsSequence()) {
        for (const YAML::Node& child : node)
            checkBudget(child, depth + 1, visited, limits, origin);
    } else if (node.IsMap()) {
        std::set<std::string> keys;
        for (auto it = node.begin(); it != node.end(); ++it) {
            checkBudget(it->first, depth + 1, visited, limits, origin);
            checkBudget(it->second, depth + 1, visited, limits, origin);
            if (it->first.IsScalar() && !keys.insert(it->first.Scalar()).second)
                failYaml(origin, yamlLine(it->first), "duplicate key '" + it->first.Scalar() + "'");
        }
    }
}

std::string tooLarge(std::size_t size, const YamlLimits& limits)
{
    return "the file is " + std::to_string(size) + " bytes; at most " + std::to_string(limits.bytes) +
           " bytes are read";
}

} // namespace

void failYaml(const std::string& origin, int line, const std::string& sentence)
{
    throw YamlError(
        line > 0 ? origin + ":" + std::to_string(line) + ": " + sentence : origin + ": " + sentence, line);
}

int yamlLine(const YAML::Node& node)
{
    // yaml-cpp throws on most questions asked of a missing key's node.
    if (!node.IsDefined())
        return 0;
    const YAML::Mark mark = node.Mark();
    return mark.is_null() ? 0 : mark.line + 1;
}

YAML::Node loadYaml(std::string_view text, const std::string& origin, const YamlLimits& limits)
{
    if (text.size() > limits.bytes)
        failYaml(origin, 0, tooLarge(text.size(), limits));
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::DeepRecursion& e) {
        failYaml(origin, e.mark.is_null() ? 0 : e.mark.line + 1,
                 "the document nests deeper than " + std::to_string(limits.depth) + " levels");
    } catch (const YAML::Exception& e) {
        failYaml(origin, e.mark.is_null() ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
    }
    std::size_t visited = 0;
    checkBudget(root, 0, visited, limits, origin);
    return root;
}

std::string readYamlFile(const std::string& path, const YamlLimits& limits)
{
    const QString name = QString::fromStdString(path);
    const QFileInfo info(name);
    if (!info.exists())
        fail(ErrorCode::BadInput, path + " does not exist");
    if (info.size() > static_cast<qint64>(limits.bytes))
        failYaml(path, 0, tooLarge(static_cast<std::size_t>(info.size()), limits));
    QFile file(name);
    if (!file.open(QIODevice::ReadOnly))
        fail(ErrorCode::BadInput, "cannot read " + path + ": " + file.errorString().toStdString());
    // One byte past the cap, in case the file grew since it was measured.
    const QByteArray bytes = file.read(static_cast<qint64>(limits.bytes) + 1);
    return bytes.toStdString();
}

} // namespace cellscope
