#include "core/backlog/map_import_formats.h"

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

using Reason = ImportError::Reason;

struct CsvField
{
    QString value;
    int line = 0;
    int column = 0;
    bool quoted = false;
};

struct CsvRecord
{
    int line = 0;
    std::vector<CsvField> fields;
};

// RFC 4180 records with the position of every field.
class CsvReader
{
public:
    CsvReader(QStringView text, const QString& file) : m_text(text), m_file(file) {}

    std::vector<CsvRecord> readAll()
    {
        std::vector<CsvRecord> records;
        while (!atEnd()) {
            CsvRecord record = readRecord();
            // Blank lines (a single empty unquoted field) are tolerated, typically at the end of the file.
            const bool blank = record.fields.size() == 1 && !record.fields[0].quoted &&
                               record.fields[0].value.trimmed().isEmpty();
            if (!blank)
                records.push_back(std::move(record));
        }
        return records;
    }

private:
    bool atEnd() const { return m_pos >= m_text.size(); }
    bool atNewline() const { return !atEnd() && (m_text[m_pos] == u'\n' || m_text[m_pos] == u'\r'); }

    void advance()
    {
        if (atNewline()) {
            if (m_text[m_pos] == u'\r' && m_pos + 1 < m_text.size() && m_text[m_pos + 1] == u'\n')
                ++m_pos;
            ++m_pos;
            ++m_line;
            m_column = 1;
            return;
        }
        const QChar c = m_text[m_pos++];
        if (!(c.isLowSurrogate() && m_pos >= 2 && m_text[m_pos - 2].isHighSurrogate()))
            ++m_column;
    }

    CsvRecord readRecord()
    {
        CsvRecord record;
        record.line = m_line;
        for (;;) {
            CsvField field{{}, m_line, m_column, !atEnd() && m_text[m_pos] == u'"'};
            if (field.quoted)
                readQuoted(field);
            else
                readPlain(field);
            record.fields.push_back(std::move(field));
            if (!atEnd() && m_text[m_pos] == u',') {
                advance();
                continue;
            }
            if (atNewline())
                advance();
            return record;
        }
    }

    void readQuoted(CsvField& field)
    {
        advance();
        for (;;) {
            if (atEnd())
                throw ImportError(Reason::UnterminatedString, m_file, field.line, field.column,
                                  u"unterminated quoted field"_s);
            if (m_text[m_pos] == u'"') {
                advance();
                if (atEnd() || m_text[m_pos] != u'"')
                    break;
            }
            field.value += atNewline() ? QChar(u'\n') : m_text[m_pos];
            advance();
        }
        if (!atEnd() && !atNewline() && m_text[m_pos] != u',')
            throw ImportError(Reason::Syntax, m_file, m_line, m_column,
                              u"expected ',' or the end of the line after a closing quote, found '%1'"_s.arg(
                                  m_text[m_pos]));
    }

    void readPlain(CsvField& field)
    {
        while (!atEnd() && !atNewline() && m_text[m_pos] != u',') {
            if (m_text[m_pos] == u'"')
                throw ImportError(Reason::Syntax, m_file, m_line, m_column,
                                  u"a quote may only appear inside a quoted field"_s);
            field.value += m_text[m_pos];
            advance();
        }
    }

    QStringView m_text;
    QString m_file;
    qsizetype m_pos = 0;
    int m_line = 1;
    int m_column = 1;
};

} // namespace

std::vector<MapEntry> parseCsvMap(QStringView text, const QString& file)
{
    const std::vector<CsvRecord> records = CsvReader(text, file).readAll();
    if (records.empty())
        throw ImportError(Reason::MissingField, file, 0, 0,
                          u"empty file: expected a header url_name,action"_s);
    const CsvRecord& header = records.front();
    qsizetype nameColumn = -1;
    qsizetype actionColumn = -1;
    for (size_t i = 0; i < header.fields.size(); ++i) {
        const QString title = header.fields[i].value.trimmed().toLower();
        if (title == u"url_name")
            nameColumn = qsizetype(i);
        else if (title == u"action")
            actionColumn = qsizetype(i);
    }
    if (nameColumn < 0 || actionColumn < 0)
        throw ImportError(Reason::MissingField, file, header.line, 1,
                          u"the header must name the columns url_name and action"_s);

    std::vector<MapEntry> entries;
    SeenNames seen;
    for (size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& record = records[r];
        if (record.fields.size() != header.fields.size())
            throw ImportError(Reason::Syntax, file, record.line, 1,
                              u"expected %1 fields as in the header, found %2"_s.arg(header.fields.size())
                                  .arg(record.fields.size()));
        const CsvField& name = record.fields[size_t(nameColumn)];
        const CsvField& action = record.fields[size_t(actionColumn)];
        const QString urlName = name.value.trimmed();
        if (urlName.isEmpty())
            throw ImportError(Reason::EmptyUrlName, file, name.line, name.column, u"empty URL name"_s);
        seen.add(urlName, file, name.line, name.column);
        entries.push_back(
            {urlName, lookupAction(action.value.trimmed(), file, action.line, action.column), record.line});
    }
    return entries;
}

} // namespace cellscope::backlog
