#pragma once

#include "core/routing/trace.h"

#include <QWidget>

namespace cellscope::ui {

// Draws a trace as a flow: client → each component the request passes → the outcome, with the
// rule that decided each hop under its box. Colours come from the palette except the outcome
// badge, whose colour carries meaning (green routed, amber pinned or fan-out, red refused).
class FlowDiagram : public QWidget
{
    Q_OBJECT

public:
    explicit FlowDiagram(QWidget* parent = nullptr);
    void setTrace(const routing::Trace& trace);
    void clear();
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    static QColor outcomeColor(const std::string& status);

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::optional<routing::Trace> m_trace;
};

} // namespace cellscope::ui
