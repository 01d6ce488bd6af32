#include "core/util/text.h"

#include <QUrl>

namespace cellscope {

std::string firstLine(std::string text)
{
    if (const auto end = text.find('\n'); end != std::string::npos)
        text.resize(end);
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

std::string withoutUrlPassword(std::string_view url)
{
    const QString text = QString::fromUtf8(url.data(), static_cast<qsizetype>(url.size()));
    const QUrl parsed(text, QUrl::StrictMode);
    if (parsed.isValid() && !parsed.host().isEmpty() && text.contains(QStringLiteral("://")))
        return parsed.password().isEmpty() ? std::string(url)
                                           : parsed.toString(QUrl::RemovePassword).toStdString();
    const std::size_t at = url.rfind('@');
    const std::size_t scheme = url.find("://");
    if (at == std::string_view::npos)
        return std::string(url);
    const std::size_t start = scheme != std::string_view::npos && scheme + 3 <= at ? scheme + 3 : 0;
    return std::string(url.substr(0, start)) + "..." + std::string(url.substr(at));
}

} // namespace cellscope
