#include "core/backlog/map_import.h"

#include "core/backlog/map_import_formats.h"

#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

using Reason = ImportError::Reason;

QString positioned(const QString& file, int line, int column, const QString& message)
{
    if (line <= 0)
        return u"%1: %2"_s.arg(file, message);
    return u"%1:%2:%3: %4"_s.arg(file).arg(line).arg(column).arg(message);
}

} // namespace

Action lookupAction(const QString& name, const QString& file, int line, int column)
{
    if (const auto action = actionFromName(name))
        return *action;
    QString hint;
    for (Action candidate : allActions) {
        if (actionName(candidate).compare(name, Qt::CaseInsensitive) == 0)
            hint = u" (did you mean %1?)"_s.arg(actionName(candidate));
    }
    throw ImportError(Reason::UnknownAction, file, line, column, u"unknown action '%1'%2"_s.arg(name, hint));
}

void SeenNames::add(const QString& name, const QString& file, int line, int column)
{
    const auto it = m_firstLine.constFind(name);
    if (it != m_firstLine.cend())
        throw ImportError(Reason::DuplicateKey, file, line, column,
                          u"duplicate URL name '%1' (first at line %2)"_s.arg(name).arg(*it));
    m_firstLine.insert(name, line);
}

ImportError::ImportError(Reason reason, const QString& file, int line, int column, const QString& message)
    : cellscope::Error(ErrorCode::BadInput, positioned(file, line, column, message).toStdString()),
      m_reason(reason), m_file(file), m_line(line), m_column(column), m_message(message)
{}

QString ImportError::toString() const
{
    return positioned(m_file, m_line, m_column, m_message);
}

std::optional<MapFormat> detectMapFormat(const QString& fileName, const QByteArray& content)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    if (suffix == u"py")
        return MapFormat::Python;
    if (suffix == u"json")
        return MapFormat::Json;
    if (suffix == u"csv")
        return MapFormat::Csv;

    const QByteArray trimmed = content.trimmed();
    const QByteArray body = trimmed.startsWith("\xEF\xBB\xBF") ? trimmed.mid(3).trimmed() : trimmed;
    if (body.startsWith('{') || body.startsWith('['))
        return MapFormat::Json;
    if (body.contains("URL_NAME_TO_ACTION"))
        return MapFormat::Python;
    const QByteArray firstLine = body.left(body.indexOf('\n')).toLower();
    if (firstLine.contains("url_name") && firstLine.contains(','))
        return MapFormat::Csv;
    return std::nullopt;
}

std::vector<MapEntry> importMapFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw ImportError(Reason::FileUnreadable, path, 0, 0,
                          u"cannot read the file: %1"_s.arg(file.errorString()));
    return importMap(file.readAll(), path);
}

std::vector<MapEntry> importMap(const QByteArray& content, const QString& fileName,
                                std::optional<MapFormat> format)
{
    QStringDecoder decoder(QStringConverter::Utf8);
    const QString text = decoder.decode(content);
    if (decoder.hasError())
        throw ImportError(Reason::InvalidEncoding, fileName, 0, 0, u"the file is not valid UTF-8"_s);

    if (!format)
        format = detectMapFormat(fileName, content);
    if (!format)
        throw ImportError(
            Reason::UnknownFormat, fileName, 0, 0,
            u"cannot tell whether this is a Python, JSON or CSV map; name it .py, .json or .csv"_s);
    switch (*format) {
    case MapFormat::Python:
        return parsePythonMap(text, fileName);
    case MapFormat::Json:
        return parseJsonMap(text, fileName);
    case MapFormat::Csv:
        return parseCsvMap(text, fileName);
    }
    Q_UNREACHABLE();
    return {};
}

} // namespace cellscope::backlog
