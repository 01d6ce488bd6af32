#include "core/routing/synapse_report.h"

#include <QJsonArray>

namespace cellscope::routing {

namespace {

QJsonValue optionalString(const std::optional<std::string>& text)
{
    return text ? QJsonValue(QString::fromStdString(*text)) : QJsonValue(QJsonValue::Null);
}

QJsonArray stringArray(const std::vector<std::string>& items)
{
    QJsonArray out;
    for (const std::string& item : items)
        out.append(QString::fromStdString(item));
    return out;
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

} // namespace

QJsonObject synapseDecisionToJson(const SynapseDecision& decision)
{
    QJsonObject root;
    root.insert(QStringLiteral("config"), QString::fromStdString(decision.config));
    if (decision.route)
        root.insert(QStringLiteral("route"),
                    QJsonObject{{QStringLiteral("index"), static_cast<qint64>(decision.route->index)},
                                {QStringLiteral("line"), decision.route->line},
                                {QStringLiteral("host"), optionalString(decision.route->host)},
                                {QStringLiteral("path"), optionalString(decision.route->path)}});
    else
        root.insert(QStringLiteral("route"), QJsonValue(QJsonValue::Null));
    QJsonObject params;
    for (const auto& [name, value] : decision.params)
        params.insert(QString::fromStdString(name), QString::fromStdString(value));
    root.insert(QStringLiteral("params"), params);
    root.insert(QStringLiteral("resolver"), optionalString(decision.resolver));
    root.insert(QStringLiteral("cell"), optionalString(decision.cell));
    if (decision.upstream)
        root.insert(QStringLiteral("upstream"),
                    QJsonObject{{QStringLiteral("name"), QString::fromStdString(decision.upstream->name)},
                                {QStringLiteral("url"), QString::fromStdString(decision.upstream->url)}});
    else
        root.insert(QStringLiteral("upstream"), QJsonValue(QJsonValue::Null));
    root.insert(QStringLiteral("http_status"),
                decision.httpStatus ? QJsonValue(*decision.httpStatus) : QJsonValue(QJsonValue::Null));
    if (decision.ingestRouter) {
        root.insert(QStringLiteral("handler"), optionalString(decision.handler));
        root.insert(QStringLiteral("locality"), optionalString(decision.locality));
        QJsonObject byCell;
        for (const auto& [cell, keys] : decision.keysByCell)
            byCell.insert(QString::fromStdString(cell), stringArray(keys));
        root.insert(QStringLiteral("keys_by_cell"), byCell);
        root.insert(QStringLiteral("pending"), stringArray(decision.pending));
    }
    return root;
}

std::string synapseDecisionToText(const SynapseDecision& decision)
{
    std::string out = "synapse  " + decision.config + "\n";
    for (const std::string& step : decision.steps)
        out += "         " + step + "\n";
    for (const auto& [cell, keys] : decision.keysByCell)
        out += "         keys for " + cell + ": " + joined(keys) + "\n";
    if (!decision.pending.empty())
        out += "         pending: " + joined(decision.pending) + "\n";
    out += "         → ";
    if (decision.upstream)
        out += "upstream " + decision.upstream->name + " (" + decision.upstream->url + ")";
    else if (decision.httpStatus)
        out += "http " + std::to_string(*decision.httpStatus);
    else if (decision.handler)
        out += "handler " + *decision.handler;
    else if (decision.cell)
        out += "cell " + *decision.cell;
    else
        out += "not routed by Synapse";
    out += "\n";
    return out;
}

} // namespace cellscope::routing
