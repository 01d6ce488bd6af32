#pragma once

// The readers of the three map formats behind core/backlog/map_import.h, and what they share. Internal to
// map_import*.cpp.

#include "core/backlog/map_import.h"

#include <QHash>
#include <QString>
#include <QStringView>

#include <vector>

namespace cellscope::backlog {

// Each reads decoded text into entries in file order and throws ImportError naming `file`.
std::vector<MapEntry> parsePythonMap(QStringView text,
                                     const QString& file); // core/backlog/map_import_python.cpp
std::vector<MapEntry> parseJsonMap(QStringView text, const QString& file); // core/backlog/map_import_json.cpp
std::vector<MapEntry> parseCsvMap(QStringView text, const QString& file);  // core/backlog/map_import_csv.cpp

// Shared by all formats: the error names the label and, for a mere case slip, the intended one.
Action lookupAction(const QString& name, const QString& file, int line, int column);

// Rejects a repeated URL name: Python would silently keep the last value, hiding a conflict.
class SeenNames
{
public:
    void add(const QString& name, const QString& file, int line, int column);

private:
    QHash<QString, int> m_firstLine;
};

} // namespace cellscope::backlog
