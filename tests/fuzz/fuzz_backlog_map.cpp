// URL_NAME_TO_ACTION maps: the first byte picks Python, JSON or CSV (by file name), the rest is the
// file; and the Python tokenizer alone.
#include "core/backlog/map_import.h"
#include "core/backlog/python_lexer.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <QString>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    static const QString names[] = {QStringLiteral("map.py"), QStringLiteral("map.json"),
                                    QStringLiteral("map.csv")};
    const QByteArray content = cellscope::fuzz::bytes(data + 1, size - 1);
    try {
        (void)cellscope::backlog::importMap(content, names[data[0] % 3]);
    } catch (const cellscope::backlog::ImportError&) {
    } catch (const cellscope::Error&) {
    }
    (void)cellscope::backlog::python::tokenize(QString::fromUtf8(content));
    return 0;
}
