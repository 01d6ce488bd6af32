#include "core/routing/catalog_regex.h"

#include <algorithm>
#include <cctype>

namespace cellscope::routing {

namespace {

// Python 3 matches str patterns with Unicode semantics; paths are matched as UTF-8 bytes here, so every
// byte of a multi-byte sequence counts as a word character (a documented approximation).
CharClass escapeClass(char letter)
{
    CharClass cls;
    switch (letter | 0x20) {
    case 'd':
        cls.addRange('0', '9');
        break;
    case 'w':
        cls.addRange('0', '9');
        cls.addRange('a', 'z');
        cls.addRange('A', 'Z');
        cls.add('_');
        cls.addRange(0x80, 0xFF);
        break;
    default: // 's'
        for (char c : std::string_view(" \t\n\r\f\v"))
            cls.add(static_cast<unsigned char>(c));
    }
    if (letter >= 'A' && letter <= 'Z')
        cls.invert();
    return cls;
}

} // namespace

std::vector<std::vector<ReNode>> ReParser::parseAll()
{
    auto alternatives = parseAlternatives();
    if (m_pos != m_text.size())
        throw Unsupported{};
    return alternatives;
}

bool ReParser::consume(std::string_view token)
{
    if (m_text.substr(m_pos).starts_with(token)) {
        m_pos += token.size();
        return true;
    }
    return false;
}

std::vector<std::vector<ReNode>> ReParser::parseAlternatives()
{
    std::vector<std::vector<ReNode>> alternatives;
    alternatives.push_back(parseSequence());
    while (!atEnd() && peek() == '|') {
        ++m_pos;
        alternatives.push_back(parseSequence());
    }
    return alternatives;
}

std::vector<ReNode> ReParser::parseSequence()
{
    std::vector<ReNode> sequence;
    while (!atEnd() && peek() != '|' && peek() != ')') {
        ReNode node = parseAtom();
        parseQuantifier(node);
        sequence.push_back(std::move(node));
    }
    return sequence;
}

ReNode ReParser::parseAtom()
{
    ReNode node;
    node.begin = m_pos;
    const char c = m_text[m_pos++];
    if (c == '(') {
        node.kind = ReNode::Kind::Group;
        if (consume("?P<")) {
            const std::size_t close = m_text.find('>', m_pos);
            if (close == std::string_view::npos)
                throw Unsupported{};
            node.nameId = nameId(m_text.substr(m_pos, close - m_pos));
            ++m_captures;
            m_pos = close + 1;
        } else if (!consume("?:") && !atEnd() && peek() == '?') {
            throw Unsupported{}; // lookarounds, flags, backreferences
        }
        node.alternatives = parseAlternatives();
        if (!consume(")"))
            throw Unsupported{};
    } else if (c == '[') {
        node.kind = ReNode::Kind::Class;
        node.cls = parseClass();
    } else if (c == '\\') {
        parseEscape(node);
    } else if (std::string_view(".^$*+?{)").find(c) != std::string_view::npos) {
        throw Unsupported{}; // '.' may match '/', anchors mid-pattern, stray quantifiers
    } else {
        node.ch = static_cast<unsigned char>(c);
    }
    node.end = m_pos;
    return node;
}

void ReParser::parseEscape(ReNode& node)
{
    if (atEnd())
        throw Unsupported{};
    const char c = m_text[m_pos++];
    if (std::string_view("dDwWsS").find(c) != std::string_view::npos) {
        node.kind = ReNode::Kind::Class;
        node.cls = escapeClass(c);
        return;
    }
    node.ch = static_cast<unsigned char>(escapedChar(c));
}

char ReParser::escapedChar(char c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'r':
        return '\r';
    case 'f':
        return '\f';
    case 'v':
        return '\v';
    default:
        break;
    }
    const bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    if (alnum)
        throw Unsupported{}; // \b, \A, \Z, \x.., backreferences
    return c;
}

CharClass ReParser::parseClass()
{
    CharClass cls;
    const bool negated = consume("^");
    bool first = true;
    while (true) {
        if (atEnd())
            throw Unsupported{};
        char c = m_text[m_pos++];
        if (c == ']' && !first)
            break;
        first = false;
        if (c == '\\') {
            if (atEnd())
                throw Unsupported{};
            const char e = m_text[m_pos++];
            if (std::string_view("dDwWsS").find(e) != std::string_view::npos) {
                cls.addAll(escapeClass(e));
                continue;
            }
            c = escapedChar(e);
        } else if (c == '[') {
            throw Unsupported{}; // Python warns on nested sets; keep them out of the subset
        }
        if (m_pos + 1 < m_text.size() && peek() == '-' && m_text[m_pos + 1] != ']') {
            ++m_pos;
            char to = m_text[m_pos++];
            if (to == '\\') {
                if (atEnd())
                    throw Unsupported{};
                to = escapedChar(m_text[m_pos++]);
            }
            if (static_cast<unsigned char>(to) < static_cast<unsigned char>(c))
                throw Unsupported{};
            cls.addRange(static_cast<unsigned char>(c), static_cast<unsigned char>(to));
        } else {
            cls.add(static_cast<unsigned char>(c));
        }
    }
    if (negated)
        cls.invert();
    return cls;
}

void ReParser::parseQuantifier(ReNode& node)
{
    if (atEnd())
        return;
    std::uint16_t min = 0, max = kUnbounded;
    const char c = peek();
    if (c == '?') {
        max = 1;
    } else if (c == '+') {
        min = 1;
    } else if (c == '{') {
        const std::size_t close = m_text.find('}', m_pos);
        if (close == std::string_view::npos)
            throw Unsupported{};
        const std::string_view body = m_text.substr(m_pos + 1, close - m_pos - 1);
        const std::size_t comma = body.find(',');
        min = parseCount(body.substr(0, comma), 0);
        max = comma == std::string_view::npos ? min : parseCount(body.substr(comma + 1), kUnbounded);
        if (max < min)
            throw Unsupported{};
        m_pos = close;
    } else if (c != '*') {
        return;
    }
    ++m_pos;
    ReNode repeat;
    repeat.kind = ReNode::Kind::Repeat;
    repeat.begin = node.begin;
    repeat.min = min;
    repeat.max = max;
    repeat.lazy = consume("?");
    if (!atEnd() && std::string_view("*+?{").find(peek()) != std::string_view::npos)
        throw Unsupported{}; // possessive or doubled quantifiers
    repeat.child.push_back(std::move(node));
    repeat.end = m_pos;
    node = std::move(repeat);
}

std::uint16_t ReParser::parseCount(std::string_view digits, std::uint16_t fallback)
{
    if (digits.empty())
        return fallback;
    unsigned value = 0;
    for (char d : digits) {
        if (d < '0' || d > '9' || value > 10000)
            throw Unsupported{};
        value = value * 10 + static_cast<unsigned>(d - '0');
    }
    return static_cast<std::uint16_t>(std::min(value, unsigned{kUnbounded - 1}));
}

int ReParser::nameId(std::string_view name)
{
    std::size_t id = 0;
    while (id < m_names.size() && m_names[id] != name)
        ++id;
    if (id == m_names.size())
        m_names.emplace_back(name);
    // A repeated group name is an error in Python; the regex fallback reports it.
    if (std::find(m_used.begin(), m_used.end(), id) != m_used.end())
        throw Unsupported{};
    m_used.push_back(id);
    return static_cast<int>(id);
}

bool mentionsSlash(const ReNode& node)
{
    switch (node.kind) {
    case ReNode::Kind::Char:
        return node.ch == '/';
    case ReNode::Kind::Class:
        return node.cls.has('/');
    case ReNode::Kind::Repeat:
        return mentionsSlash(node.child.front());
    case ReNode::Kind::Group:
        for (const auto& alternative : node.alternatives)
            for (const auto& child : alternative)
                if (mentionsSlash(child))
                    return true;
        return false;
    }
    return true;
}

bool endsWithDollar(std::string_view pattern)
{
    if (!pattern.ends_with('$'))
        return false;
    std::size_t backslashes = 0;
    for (std::size_t i = pattern.size() - 1; i > 0 && pattern[i - 1] == '\\'; --i)
        ++backslashes;
    return backslashes % 2 == 0;
}

std::string literalPrefix(std::string_view pattern)
{
    int depth = 0;
    bool inClass = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            ++i;
        } else if (inClass) {
            inClass = c != ']';
        } else if (c == '[') {
            inClass = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
        } else if (c == '|' && depth == 0) {
            return {}; // a top-level alternative may start anywhere
        }
    }
    if (!pattern.starts_with('^'))
        return {};
    std::string prefix;
    for (std::size_t i = 1; i < pattern.size(); ++i) {
        char c = pattern[i];
        const bool escaped =
            c == '\\' && i + 1 < pattern.size() && !std::isalnum(static_cast<unsigned char>(pattern[i + 1]));
        if (escaped)
            c = pattern[++i];
        else if (std::string_view(".^$*+?{}[]()|\\").find(c) != std::string_view::npos)
            break;
        const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
        if (next == '?' || next == '*' || next == '{')
            break;
        prefix += c;
    }
    return prefix;
}

} // namespace cellscope::routing
