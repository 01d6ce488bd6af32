#include "ui/widgets/flow_diagram.h"

#include <QPainter>
#include <QPainterPath>

namespace cellscope::ui {

namespace {

QString text(const std::string& value)
{
    return QString::fromStdString(value);
}

QString componentTitle(const std::string& component)
{
    if (component == "synapse")
        return QStringLiteral("Synapse");
    if (component == "ingest-router")
        return QStringLiteral("Ingest router");
    if (component == "relay")
        return QStringLiteral("Relay");
    if (component == "api-gateway")
        return QStringLiteral("API gateway");
    if (component == "integration-control")
        return QStringLiteral("Integration control");
    if (component == "control")
        return QStringLiteral("Control silo");
    if (component == "cell")
        return QStringLiteral("Cell");
    return text(component);
}

} // namespace

FlowDiagram::FlowDiagram(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

QSize FlowDiagram::sizeHint() const
{
    return {900, 150};
}

QSize FlowDiagram::minimumSizeHint() const
{
    return {400, 150};
}

void FlowDiagram::setTrace(const routing::Trace& trace)
{
    m_trace = trace;
    update();
}

void FlowDiagram::clear()
{
    m_trace.reset();
    update();
}

QColor FlowDiagram::outcomeColor(const std::string& status)
{
    if (status == "routed")
        return QColor(0x2e, 0x7d, 0x32);
    if (status == "fanout" || status == "pinned")
        return QColor(0xc7, 0x7c, 0x02);
    if (status == "control")
        return QColor(0x45, 0x5a, 0x64);
    return QColor(0xb3, 0x26, 0x1e);
}

void FlowDiagram::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    if (!m_trace) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("Trace a URL or DSN to see its route"));
        return;
    }
    struct Box
    {
        QString title;
        QString subtitle;
        bool outcome = false;
    };
    std::vector<Box> boxes;
    boxes.push_back(
        {tr("Client"), text(m_trace->kind == "dsn" ? std::string("DSN") : std::string("request")), false});
    for (const auto& hop : m_trace->hops)
        boxes.push_back({componentTitle(hop.component), text(hop.rule), false});
    QString outcome = text(m_trace->outcome.status).toUpper();
    if (!m_trace->outcome.cells.empty()) {
        QStringList cells;
        for (const auto& cell : m_trace->outcome.cells)
            cells << text(cell);
        outcome += QStringLiteral(" → ") + cells.join(QStringLiteral(", "));
    }
    if (m_trace->outcome.httpStatus)
        outcome += QStringLiteral(" (HTTP %1)").arg(*m_trace->outcome.httpStatus);
    boxes.push_back({outcome, QString(), true});

    const int n = static_cast<int>(boxes.size());
    const int gap = 28;
    const int margin = 8;
    const int boxWidth = std::max(90, (width() - 2 * margin - (n - 1) * gap) / n);
    const int boxHeight = 56;
    const int top = 16;
    QFont titleFont = font();
    titleFont.setBold(true);
    QFont smallFont = font();
    smallFont.setPointSizeF(font().pointSizeF() * 0.85);

    for (int i = 0; i < n; ++i) {
        const Box& box = boxes[static_cast<std::size_t>(i)];
        const QRect r(margin + i * (boxWidth + gap), top, boxWidth, boxHeight);
        QPainterPath path;
        path.addRoundedRect(r, 8, 8);
        if (box.outcome) {
            const QColor colour = outcomeColor(m_trace->outcome.status);
            p.fillPath(path, colour);
            p.setPen(Qt::white);
        } else {
            p.fillPath(path, pal.color(QPalette::AlternateBase));
            p.setPen(QPen(pal.color(QPalette::Mid), 1.5));
            p.drawPath(path);
            p.setPen(pal.color(QPalette::Text));
        }
        p.setFont(titleFont);
        const QRect titleRect = r.adjusted(6, 4, -6, box.subtitle.isEmpty() ? -4 : -24);
        p.drawText(titleRect, Qt::AlignCenter | Qt::TextWordWrap,
                   QFontMetrics(titleFont).elidedText(box.title, Qt::ElideRight, titleRect.width() * 2));
        if (!box.subtitle.isEmpty()) {
            p.setFont(smallFont);
            p.setPen(box.outcome ? QColor(Qt::white) : pal.color(QPalette::PlaceholderText));
            const QRect sub = r.adjusted(4, boxHeight - 24, -4, -4);
            p.drawText(sub, Qt::AlignCenter,
                       QFontMetrics(smallFont).elidedText(box.subtitle, Qt::ElideMiddle, sub.width()));
        }
        if (i + 1 < n) {
            const int y = top + boxHeight / 2;
            const int x0 = r.right() + 3, x1 = r.right() + gap - 3;
            p.setPen(QPen(pal.color(QPalette::Text), 2));
            p.drawLine(x0, y, x1, y);
            p.drawLine(x1, y, x1 - 7, y - 5);
            p.drawLine(x1, y, x1 - 7, y + 5);
        }
    }
    // Warnings count under the diagram, so a busy SRE sees there is more to read.
    p.setFont(font());
    p.setPen(pal.color(QPalette::Text));
    const QString footer = m_trace->warnings.empty()
                               ? tr("No warnings.")
                               : tr("%1 warning(s) — see below.").arg(m_trace->warnings.size());
    p.drawText(QRect(margin, top + boxHeight + 10, width() - 2 * margin, 24),
               Qt::AlignLeft | Qt::AlignVCenter, footer);
}

} // namespace cellscope::ui
