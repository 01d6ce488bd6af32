#include "core/routing/catalog.h"

#include "core/util/error.h"
#include "core/util/json_type.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <limits>
#include <span>

namespace cellscope::routing {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint16_t kUnbounded = std::numeric_limits<std::uint16_t>::max();
// Backtracking steps allowed per segment; beyond it a hostile segment simply does not match.
constexpr int kStepBudget = 20000;

struct CharClass
{
    std::array<std::uint64_t, 4> bits{};

    void add(unsigned char c) noexcept { bits[c >> 6] |= std::uint64_t{1} << (c & 63); }
    void addRange(unsigned char from, unsigned char to) noexcept
    {
        for (unsigned c = from; c <= to; ++c)
            add(static_cast<unsigned char>(c));
    }
    void addAll(const CharClass& other) noexcept
    {
        for (std::size_t i = 0; i < bits.size(); ++i)
            bits[i] |= other.bits[i];
    }
    void invert() noexcept
    {
        for (auto& word : bits)
            word = ~word;
    }
    bool has(unsigned char c) const noexcept { return (bits[c >> 6] >> (c & 63)) & 1; }
    bool operator==(const CharClass&) const = default;
};

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

// ---- Regex subset parser ----------------------------------------------------------------------

struct ReNode
{
    enum class Kind : std::uint8_t
    {
        Char,
        Class,
        Group,
        Repeat
    };
    Kind kind = Kind::Char;
    unsigned char ch = 0;
    CharClass cls;
    int nameId = -1;                               // Group: named capture
    std::vector<std::vector<ReNode>> alternatives; // Group
    std::vector<ReNode> child;                     // Repeat: exactly one node
    std::uint16_t min = 1, max = 1;
    bool lazy = false;
    std::size_t begin = 0, end = 0; // span in the pattern text
};

// Thrown for syntax outside the compiled subset; the pattern then goes to the regex fallback.
struct Unsupported
{};

class ReParser
{
public:
    ReParser(std::string_view text, std::vector<std::string>& names) : m_text(text), m_names(names) {}

    std::vector<std::vector<ReNode>> parseAll()
    {
        auto alternatives = parseAlternatives();
        if (m_pos != m_text.size())
            throw Unsupported{};
        return alternatives;
    }
    int captureCount() const noexcept { return m_captures; }

private:
    bool atEnd() const noexcept { return m_pos >= m_text.size(); }
    char peek() const noexcept { return m_text[m_pos]; }
    bool consume(std::string_view token)
    {
        if (m_text.substr(m_pos).starts_with(token)) {
            m_pos += token.size();
            return true;
        }
        return false;
    }

    std::vector<std::vector<ReNode>> parseAlternatives()
    {
        std::vector<std::vector<ReNode>> alternatives;
        alternatives.push_back(parseSequence());
        while (!atEnd() && peek() == '|') {
            ++m_pos;
            alternatives.push_back(parseSequence());
        }
        return alternatives;
    }

    std::vector<ReNode> parseSequence()
    {
        std::vector<ReNode> sequence;
        while (!atEnd() && peek() != '|' && peek() != ')') {
            ReNode node = parseAtom();
            parseQuantifier(node);
            sequence.push_back(std::move(node));
        }
        return sequence;
    }

    ReNode parseAtom()
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

    void parseEscape(ReNode& node)
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

    char escapedChar(char c)
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

    CharClass parseClass()
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

    void parseQuantifier(ReNode& node)
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

    static std::uint16_t parseCount(std::string_view digits, std::uint16_t fallback)
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

    int nameId(std::string_view name)
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

    std::string_view m_text;
    std::vector<std::string>& m_names;
    std::vector<std::size_t> m_used;
    std::size_t m_pos = 0;
    int m_captures = 0;
};

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

// A Python-regex pattern is a prefix match unless it ends in an unescaped '$' (Django's RegexPattern).
bool endsWithDollar(std::string_view pattern)
{
    if (!pattern.ends_with('$'))
        return false;
    std::size_t backslashes = 0;
    for (std::size_t i = pattern.size() - 1; i > 0 && pattern[i - 1] == '\\'; --i)
        ++backslashes;
    return backslashes % 2 == 0;
}

// The literal text every match must start with, so the fallback runs only on plausible paths.
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

// A literal-table hash from the length and the two end bytes: O(1) once the segment's end is known,
// and distinct for nearly all URL path words; the table compares the full text anyway.
std::uint32_t segmentHash(std::string_view text) noexcept
{
    if (text.empty())
        return 0;
    const auto first = static_cast<unsigned char>(text.front());
    const auto last = static_cast<unsigned char>(text.back());
    return (static_cast<std::uint32_t>(text.size()) * 0x9E3779B1u) ^ (first * 0x85EBCA77u) ^
           (last * 0xC2B2AE3Du);
}

} // namespace

// ---- Compiled form ----------------------------------------------------------------------------

struct Catalog::Compiled
{
    enum class EdgeKind : std::uint8_t
    {
        Run,
        Program
    };
    enum class Op : std::uint8_t
    {
        Lit,
        Run,
        Split,
        Jump,
        Save,
        End
    };

    struct Instr
    {
        Op op = Op::End;
        bool lazy = false;
        std::uint16_t min = 0, max = 0;
        std::uint32_t a = 0, b = 0; // Lit: offset, length; Run: class, follow class; Split: first, second;
                                    // Jump/Save: target/slot
        bool followEnd = true;      // Run: what follows may end the segment
    };

    // A non-literal trie edge: one whole path segment.
    struct Edge
    {
        EdgeKind kind = EdgeKind::Run;
        std::uint32_t cls = 0;
        std::uint16_t min = 1, max = kUnbounded;
        int nameId = -1;             // Run: the kwarg it captures
        std::uint32_t pc = 0;        // Program: first instruction
        std::uint32_t slotNames = 0; // Program: first entry in slotNameIds
        std::uint32_t slotCount = 0; // Program: capture pairs
        bool prefix = false;         // Program: may stop before the segment ends (unanchored tail)
        std::uint32_t child = 0;
        std::string key;
    };

    struct Node
    {
        std::vector<std::pair<std::string, std::uint32_t>> literals; // while building
        std::uint32_t slotStart = 0, slotMask = 0; // literal children in `literalSlots`, open addressing
        std::vector<std::uint32_t> edges;
        std::uint32_t exactEnd = kNone; // pattern ends here and the path must end too
        std::uint32_t restEnd = kNone;  // unanchored pattern ends here
        std::uint32_t subtreeMin = kNone;
    };

    // One compiled segment of a pattern: literal texts (several for an alternation) or an edge.
    struct Step
    {
        std::vector<std::string> texts;
        Edge edge;
    };

    struct LiteralSlot
    {
        std::uint32_t hash = 0;
        std::uint32_t child = kNone; // kNone: empty slot
        std::uint32_t textOffset = 0;
        std::uint32_t textLength = 0;
    };

    struct Fallback
    {
        std::uint32_t endpoint = 0;
        QRegularExpression regex;
        std::string prefix;
        std::vector<int> groupNameIds; // capture group number -> name id (-1 unnamed)
    };

    std::vector<CharClass> classes;
    std::vector<Instr> code;
    std::string literals;
    std::vector<int> slotNameIds;
    std::vector<std::string> names;
    std::vector<Edge> edges;
    std::vector<Node> nodes{Node{}};
    std::vector<LiteralSlot> literalSlots;
    std::string slotText;
    std::vector<Fallback> fallbacks;
    std::vector<std::pair<std::string, std::uint32_t>> byName; // sorted

    std::uint32_t classIndex(const CharClass& cls)
    {
        for (std::size_t i = 0; i < classes.size(); ++i)
            if (classes[i] == cls)
                return static_cast<std::uint32_t>(i);
        classes.push_back(cls);
        return static_cast<std::uint32_t>(classes.size() - 1);
    }

    bool compileSegmentTrie(std::uint32_t endpoint, std::string_view pattern);
    void addFallback(std::uint32_t endpoint, const Endpoint& source, const std::string& where);
    std::uint32_t literalChild(std::uint32_t node, std::string_view text);
    void insert(std::uint32_t node, std::span<Step> steps, std::uint32_t endpoint, bool anchored);
    void buildLiteralTables();
    std::uint32_t edgeChild(std::uint32_t node, Edge edge);
    void emitNode(const ReNode& node, std::uint32_t& slotBase, std::vector<int>& saves);
    // Ends the open literal: a jump target follows, so later characters must start a new instruction.
    void closeLiteral() noexcept
    {
        if (!code.empty() && code.back().op == Op::Lit)
            code.back().min = 0;
    }
    void firstOf(std::uint32_t pc, CharClass& set, bool& end, int depth) const;
    void computeFollowSets(std::uint32_t from);
    void emitAlternatives(const std::vector<std::vector<ReNode>>& alternatives, std::uint32_t& slotBase,
                          std::vector<int>& saves);

    // Matching
    struct Search
    {
        std::string_view path;
        std::uint32_t best = kNone;
        std::array<Capture, kMaxCaptures> stack{};
        std::uint8_t depth = 0;
        EndpointMatch* out = nullptr;
    };
    void walk(std::uint32_t node, std::size_t pos, Search& search) const noexcept;
    bool matchEdge(const Edge& edge, std::string_view segment, Search& search) const noexcept;
    bool exec(std::uint32_t pc, std::size_t pos, std::string_view segment, bool prefix, int* saves,
              int& budget) const noexcept;
    void record(std::uint32_t endpoint, Search& search) const noexcept;
};

std::uint32_t Catalog::Compiled::literalChild(std::uint32_t node, std::string_view text)
{
    for (const auto& [existing, child] : nodes[node].literals)
        if (existing == text)
            return child;
    const auto child = static_cast<std::uint32_t>(nodes.size());
    nodes[node].literals.emplace_back(std::string(text), child);
    nodes.emplace_back();
    return child;
}

std::uint32_t Catalog::Compiled::edgeChild(std::uint32_t node, Edge edge)
{
    for (std::uint32_t index : nodes[node].edges)
        if (edges[index].key == edge.key)
            return edges[index].child;
    edge.child = static_cast<std::uint32_t>(nodes.size());
    nodes.emplace_back();
    nodes[node].edges.push_back(static_cast<std::uint32_t>(edges.size()));
    edges.push_back(std::move(edge));
    return edges.back().child;
}

void Catalog::Compiled::emitAlternatives(const std::vector<std::vector<ReNode>>& alternatives,
                                         std::uint32_t& slotBase, std::vector<int>& saves)
{
    std::vector<std::uint32_t> jumps;
    closeLiteral();
    for (std::size_t i = 0; i < alternatives.size(); ++i) {
        std::uint32_t split = kNone;
        if (i + 1 < alternatives.size()) {
            split = static_cast<std::uint32_t>(code.size());
            code.push_back({Op::Split, false, 0, 0, split + 1, 0});
        }
        for (const ReNode& node : alternatives[i])
            emitNode(node, slotBase, saves);
        closeLiteral();
        if (split != kNone) {
            jumps.push_back(static_cast<std::uint32_t>(code.size()));
            code.push_back({Op::Jump, false, 0, 0, 0, 0});
            code[split].b = static_cast<std::uint32_t>(code.size());
        }
    }
    for (std::uint32_t jump : jumps)
        code[jump].a = static_cast<std::uint32_t>(code.size());
}

void Catalog::Compiled::emitNode(const ReNode& node, std::uint32_t& slotBase, std::vector<int>& saves)
{
    switch (node.kind) {
    case ReNode::Kind::Char:
        if (!code.empty() && code.back().op == Op::Lit && code.back().a + code.back().b == literals.size() &&
            code.back().min == 1) {
            ++code.back().b; // extend the previous literal (min marks "still open")
        } else {
            code.push_back({Op::Lit, false, 1, 0, static_cast<std::uint32_t>(literals.size()), 1});
        }
        literals += static_cast<char>(node.ch);
        return;
    case ReNode::Kind::Class:
        code.push_back({Op::Run, false, 1, 1, classIndex(node.cls), 0});
        return;
    case ReNode::Kind::Repeat: {
        const ReNode& child = node.child.front();
        if (child.kind == ReNode::Kind::Char || child.kind == ReNode::Kind::Class) {
            CharClass cls = child.cls;
            if (child.kind == ReNode::Kind::Char) {
                cls = CharClass{};
                cls.add(child.ch);
            }
            code.push_back({Op::Run, node.lazy, node.min, node.max, classIndex(cls), 0});
            return;
        }
        if (node.min != 0 || node.max != 1)
            throw Unsupported{}; // repeated groups stay with the regex engine
        closeLiteral();
        const auto split = static_cast<std::uint32_t>(code.size());
        code.push_back({Op::Split, false, 0, 0, 0, 0});
        const auto body = static_cast<std::uint32_t>(code.size());
        emitNode(child, slotBase, saves);
        closeLiteral();
        const auto after = static_cast<std::uint32_t>(code.size());
        code[split].a = node.lazy ? after : body;
        code[split].b = node.lazy ? body : after;
        return;
    }
    case ReNode::Kind::Group: {
        std::uint32_t slot = kNone;
        if (node.nameId >= 0) {
            slot = slotBase++;
            saves.push_back(node.nameId);
            code.push_back({Op::Save, false, 0, 0, 2 * slot, 0});
        }
        emitAlternatives(node.alternatives, slotBase, saves);
        if (slot != kNone)
            code.push_back({Op::Save, false, 0, 0, 2 * slot + 1, 0});
        return;
    }
    }
}

// Compiles `^seg/seg/.../seg$?` into trie edges; false when the pattern needs the regex fallback.
bool Catalog::Compiled::compileSegmentTrie(std::uint32_t endpoint, std::string_view pattern)
{
    if (!pattern.starts_with('^'))
        return false; // Django searches unanchored patterns anywhere in the path
    const bool anchored = endsWithDollar(pattern);
    const std::string_view body = pattern.substr(1, pattern.size() - 1 - (anchored ? 1 : 0));

    std::vector<std::vector<ReNode>> segments(1);
    try {
        ReParser parser(body, names);
        auto alternatives = parser.parseAll();
        if (alternatives.size() != 1 || parser.captureCount() > static_cast<int>(kMaxCaptures))
            return false;
        for (ReNode& node : alternatives.front()) {
            if (node.kind == ReNode::Kind::Char && node.ch == '/') {
                segments.emplace_back();
                continue;
            }
            if (mentionsSlash(node))
                return false;
            segments.back().push_back(std::move(node));
        }
    } catch (const Unsupported&) {
        return false;
    }

    // Compile every segment first so an unsupported one leaves the trie untouched.
    std::vector<Step> steps;
    const std::size_t codeMark = code.size(), literalMark = literals.size(), slotMark = slotNameIds.size();
    try {
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const auto& segment = segments[i];
            const bool prefix = !anchored && i + 1 == segments.size();
            Step step;
            step.edge.key.assign(segment.empty() ? std::string_view()
                                                 : body.substr(segment.front().begin,
                                                               segment.back().end - segment.front().begin));
            const bool allChars = std::all_of(segment.begin(), segment.end(),
                                              [](const ReNode& n) { return n.kind == ReNode::Kind::Char; });
            if (allChars && !prefix) {
                step.texts.emplace_back();
                for (const ReNode& n : segment)
                    step.texts.back() += static_cast<char>(n.ch);
                steps.push_back(std::move(step));
                continue;
            }
            // A non-capturing alternation of literals, e.g. (?:issues|groups): one literal edge per branch.
            const bool literalSet =
                !prefix && segment.size() == 1 && segment.front().kind == ReNode::Kind::Group &&
                segment.front().nameId < 0 &&
                std::all_of(segment.front().alternatives.begin(), segment.front().alternatives.end(),
                            [](const auto& alternative) {
                                return std::all_of(
                                    alternative.begin(), alternative.end(),
                                    [](const ReNode& n) { return n.kind == ReNode::Kind::Char; });
                            });
            if (literalSet) {
                for (const auto& alternative : segment.front().alternatives) {
                    step.texts.emplace_back();
                    for (const ReNode& n : alternative)
                        step.texts.back() += static_cast<char>(n.ch);
                }
                steps.push_back(std::move(step));
                continue;
            }
            // The common kwarg shape: one character class repeated over the whole segment.
            const ReNode* run = segment.size() == 1 ? &segment.front() : nullptr;
            int nameId = -1;
            if (run && run->kind == ReNode::Kind::Group && run->alternatives.size() == 1 &&
                run->alternatives.front().size() == 1) {
                nameId = run->nameId;
                run = &run->alternatives.front().front();
            }
            const bool simpleRun =
                run && !prefix &&
                (run->kind == ReNode::Kind::Class ||
                 (run->kind == ReNode::Kind::Repeat && run->child.front().kind == ReNode::Kind::Class));
            if (simpleRun) {
                const ReNode& atom = run->kind == ReNode::Kind::Class ? *run : run->child.front();
                step.edge.kind = EdgeKind::Run;
                step.edge.cls = classIndex(atom.cls);
                step.edge.min = run->kind == ReNode::Kind::Class ? 1 : run->min;
                step.edge.max = run->kind == ReNode::Kind::Class ? 1 : run->max;
                step.edge.nameId = nameId;
                steps.push_back(std::move(step));
                continue;
            }
            std::vector<int> saves;
            std::uint32_t slotBase = 0;
            step.edge.kind = EdgeKind::Program;
            step.edge.prefix = prefix;
            step.edge.pc = static_cast<std::uint32_t>(code.size());
            for (const ReNode& node : segment)
                emitNode(node, slotBase, saves);
            code.push_back({Op::End, false, 0, 0, 0, 0});
            computeFollowSets(step.edge.pc);
            step.edge.slotNames = static_cast<std::uint32_t>(slotNameIds.size());
            step.edge.slotCount = static_cast<std::uint32_t>(saves.size());
            slotNameIds.insert(slotNameIds.end(), saves.begin(), saves.end());
            if (prefix)
                step.edge.key += "\x01prefix";
            steps.push_back(std::move(step));
        }
    } catch (const Unsupported&) {
        code.resize(codeMark);
        literals.resize(literalMark);
        slotNameIds.resize(slotMark);
        return false;
    }
    insert(0, steps, endpoint, anchored);
    return true;
}

void Catalog::Compiled::insert(std::uint32_t node, std::span<Step> steps, std::uint32_t endpoint,
                               bool anchored)
{
    nodes[node].subtreeMin = std::min(nodes[node].subtreeMin, endpoint);
    if (steps.empty()) {
        std::uint32_t& end = anchored ? nodes[node].exactEnd : nodes[node].restEnd;
        end = std::min(end, endpoint);
        return;
    }
    Step& step = steps.front();
    if (step.texts.empty()) {
        insert(edgeChild(node, step.edge), steps.subspan(1), endpoint, anchored);
        return;
    }
    for (const std::string& text : step.texts)
        insert(literalChild(node, text), steps.subspan(1), endpoint, anchored);
}

void Catalog::Compiled::addFallback(std::uint32_t endpoint, const Endpoint& source, const std::string& where)
{
    Fallback fallback;
    fallback.endpoint = endpoint;
    QString pattern = QString::fromStdString(source.pattern);
    // Django calls fullmatch() for patterns ending in '$', search() otherwise.
    if (endsWithDollar(source.pattern))
        pattern = QRegularExpression::anchoredPattern(pattern);
    fallback.regex = QRegularExpression(pattern, QRegularExpression::UseUnicodePropertiesOption);
    if (!fallback.regex.isValid())
        fail(ErrorCode::BadInput, where + ": invalid regular expression (" +
                                      fallback.regex.errorString().toStdString() + " at offset " +
                                      std::to_string(fallback.regex.patternErrorOffset()) + ")");
    fallback.regex.optimize();
    fallback.prefix = literalPrefix(source.pattern);
    const QStringList groups = fallback.regex.namedCaptureGroups();
    for (const QString& group : groups) {
        if (group.isEmpty()) {
            fallback.groupNameIds.push_back(-1);
            continue;
        }
        const std::string name = group.toStdString();
        auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end())
            it = names.insert(names.end(), name);
        fallback.groupNameIds.push_back(static_cast<int>(it - names.begin()));
    }
    fallbacks.push_back(std::move(fallback));
}

// The characters that can start whatever follows `pc`, and whether it can be nothing at all.
void Catalog::Compiled::firstOf(std::uint32_t pc, CharClass& set, bool& end, int depth) const
{
    if (depth > 64) { // deeper than any sane pattern: give up pruning
        set.bits.fill(~std::uint64_t{0});
        end = true;
        return;
    }
    const Instr& in = code[pc];
    switch (in.op) {
    case Op::Lit:
        set.add(static_cast<unsigned char>(literals[in.a]));
        return;
    case Op::Run:
        set.addAll(classes[in.a]);
        if (in.min == 0)
            firstOf(pc + 1, set, end, depth + 1);
        return;
    case Op::Split:
        firstOf(in.a, set, end, depth + 1);
        firstOf(in.b, set, end, depth + 1);
        return;
    case Op::Jump:
        firstOf(in.a, set, end, depth + 1);
        return;
    case Op::Save:
        firstOf(pc + 1, set, end, depth + 1);
        return;
    case Op::End:
        end = true;
        return;
    }
}

// Lets a Run skip every length after which the rest of the program cannot start (e.g. a lazy key
// before ".min.js" only stops before a '.').
void Catalog::Compiled::computeFollowSets(std::uint32_t from)
{
    for (auto pc = from; pc < code.size(); ++pc) {
        if (code[pc].op != Op::Run)
            continue;
        CharClass follow;
        bool end = false;
        firstOf(pc + 1, follow, end, 0);
        code[pc].b = classIndex(follow);
        code[pc].followEnd = end;
    }
}

// Turns each node's literal children into a small open-addressing table (load factor <= 1/2).
void Catalog::Compiled::buildLiteralTables()
{
    for (Node& node : nodes) {
        if (node.literals.empty())
            continue;
        const std::size_t size = std::bit_ceil(node.literals.size() * 2);
        node.slotStart = static_cast<std::uint32_t>(literalSlots.size());
        node.slotMask = static_cast<std::uint32_t>(size - 1);
        literalSlots.resize(literalSlots.size() + size);
        for (const auto& [text, child] : node.literals) {
            const std::uint32_t hash = segmentHash(text);
            std::uint32_t slot = hash & node.slotMask;
            while (literalSlots[node.slotStart + slot].child != kNone)
                slot = (slot + 1) & node.slotMask;
            literalSlots[node.slotStart + slot] = {hash, child, static_cast<std::uint32_t>(slotText.size()),
                                                   static_cast<std::uint32_t>(text.size())};
            slotText += text;
        }
        node.literals.clear();
        node.literals.shrink_to_fit();
    }
}

// ---- Matching ---------------------------------------------------------------------------------

bool Catalog::Compiled::exec(std::uint32_t pc, std::size_t pos, std::string_view segment, bool prefix,
                             int* saves, int& budget) const noexcept
{
    while (true) {
        if (--budget < 0)
            return false;
        const Instr& in = code[pc];
        switch (in.op) {
        case Op::Lit:
            if (segment.size() - pos >= in.b &&
                std::memcmp(segment.data() + pos, literals.data() + in.a, in.b) == 0) {
                pos += in.b;
                ++pc;
                continue;
            }
            return false;
        case Op::Run: {
            const CharClass& cls = classes[in.a];
            const std::size_t limit = std::min<std::size_t>(in.max, segment.size() - pos);
            std::size_t n = 0;
            while (n < limit && cls.has(static_cast<unsigned char>(segment[pos + n])))
                ++n;
            if (n < in.min)
                return false;
            const CharClass& follow = classes[in.b];
            const auto viable = [&](std::size_t k) {
                if (prefix)
                    return true;
                return pos + k == segment.size() ? in.followEnd
                                                 : follow.has(static_cast<unsigned char>(segment[pos + k]));
            };
            if (in.lazy) {
                for (std::size_t k = in.min; k <= n; ++k)
                    if (viable(k) && exec(pc + 1, pos + k, segment, prefix, saves, budget))
                        return true;
            } else {
                for (std::size_t k = n + 1; k-- > in.min;)
                    if (viable(k) && exec(pc + 1, pos + k, segment, prefix, saves, budget))
                        return true;
            }
            return false;
        }
        case Op::Split:
            if (exec(in.a, pos, segment, prefix, saves, budget))
                return true;
            pc = in.b;
            continue;
        case Op::Jump:
            pc = in.a;
            continue;
        case Op::Save: {
            const int old = saves[in.a];
            saves[in.a] = static_cast<int>(pos);
            if (exec(pc + 1, pos, segment, prefix, saves, budget))
                return true;
            saves[in.a] = old;
            return false;
        }
        case Op::End:
            return prefix || pos == segment.size();
        }
    }
}

bool Catalog::Compiled::matchEdge(const Edge& edge, std::string_view segment, Search& search) const noexcept
{
    if (edge.kind == EdgeKind::Run) {
        if (segment.size() < edge.min || segment.size() > edge.max)
            return false;
        const CharClass& cls = classes[edge.cls];
        for (char c : segment)
            if (!cls.has(static_cast<unsigned char>(c)))
                return false;
        if (edge.nameId >= 0) {
            if (search.depth >= kMaxCaptures)
                return false;
            search.stack[search.depth++] = {names[static_cast<std::size_t>(edge.nameId)], segment};
        }
        return true;
    }
    std::array<int, 2 * kMaxCaptures> saves;
    saves.fill(-1);
    int budget = kStepBudget;
    if (!exec(edge.pc, 0, segment, edge.prefix, saves.data(), budget))
        return false;
    for (std::uint32_t i = 0; i < edge.slotCount; ++i) {
        const int begin = saves[2 * i], end = saves[2 * i + 1];
        if (begin < 0 || end < begin)
            continue; // an optional group that did not take part
        if (search.depth >= kMaxCaptures)
            return false;
        search.stack[search.depth++] = {
            names[static_cast<std::size_t>(slotNameIds[edge.slotNames + i])],
            segment.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin))};
    }
    return true;
}

void Catalog::Compiled::record(std::uint32_t endpoint, Search& search) const noexcept
{
    search.best = endpoint;
    search.out->endpoint = endpoint;
    search.out->captureCount = search.depth;
    std::copy_n(search.stack.begin(), search.depth, search.out->captures.begin());
}

// Depth-first over the trie; `pos` is where the next segment starts, npos once the path is used up.
// Subtrees whose lowest endpoint index cannot beat the best match so far are skipped.
void Catalog::Compiled::walk(std::uint32_t nodeIndex, std::size_t pos, Search& search) const noexcept
{
    const Node& node = nodes[nodeIndex];
    if (node.subtreeMin >= search.best)
        return;
    if (node.restEnd < search.best)
        record(node.restEnd, search);
    if (pos == std::string_view::npos) {
        if (node.exactEnd < search.best)
            record(node.exactEnd, search);
        return;
    }
    const char* const data = search.path.data();
    std::size_t slash = pos;
    while (slash < search.path.size() && data[slash] != '/')
        ++slash; // segments are short: a loop beats a memchr call
    const std::string_view segment(data + pos, slash - pos);
    const std::uint32_t hash = segmentHash(segment);
    const std::size_t next = slash == search.path.size() ? std::string_view::npos : slash + 1;

    if (node.slotMask != 0) {
        for (std::uint32_t slot = hash & node.slotMask;; slot = (slot + 1) & node.slotMask) {
            const LiteralSlot& entry = literalSlots[node.slotStart + slot];
            if (entry.child == kNone)
                break;
            if (entry.hash == hash && entry.textLength == segment.size() &&
                std::memcmp(slotText.data() + entry.textOffset, segment.data(), segment.size()) == 0) {
                walk(entry.child, next, search);
                break;
            }
        }
    }
    for (std::uint32_t edgeIndex : node.edges) {
        const Edge& edge = edges[edgeIndex];
        if (nodes[edge.child].subtreeMin >= search.best)
            continue;
        const std::uint8_t depth = search.depth;
        if (matchEdge(edge, segment, search))
            walk(edge.child, next, search);
        search.depth = depth;
    }
}

// ---- Catalog ----------------------------------------------------------------------------------

std::string_view siloName(Silo silo) noexcept
{
    switch (silo) {
    case Silo::Cell:
        return "cell";
    case Silo::Control:
        return "control";
    case Silo::InternalCell:
        return "internal_cell";
    case Silo::InternalControl:
        return "internal_control";
    case Silo::All:
        return "all";
    }
    return "cell";
}

std::optional<Silo> parseSilo(std::string_view text) noexcept
{
    for (Silo silo : {Silo::Cell, Silo::Control, Silo::InternalCell, Silo::InternalControl, Silo::All})
        if (siloName(silo) == text)
            return silo;
    return std::nullopt;
}

bool runsInControl(Silo silo) noexcept
{
    return silo == Silo::Control || silo == Silo::InternalControl || silo == Silo::All;
}

std::optional<std::string_view> EndpointMatch::kwarg(std::string_view name) const noexcept
{
    for (std::size_t i = 0; i < captureCount; ++i)
        if (captures[i].name == name)
            return captures[i].value;
    return std::nullopt;
}

Catalog::Catalog() : m_compiled(std::make_unique<Compiled>()) {}
Catalog::~Catalog() = default;
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;

namespace {

[[noreturn]] void jsonFail(const std::string& origin, const std::string& path, const std::string& problem)
{
    fail(ErrorCode::BadInput, origin + ": " + path + ": " + problem);
}

std::string requireString(const QJsonObject& object, const char* key, const std::string& origin,
                          const std::string& path, bool allowEmpty)
{
    const QJsonValue value = object.value(QLatin1StringView(key));
    const std::string at = path + "." + key;
    if (value.isUndefined())
        jsonFail(origin, at, "missing");
    if (!value.isString())
        jsonFail(origin, at, "expected a string, got " + jsonTypeName(value));
    std::string text = value.toString().toStdString();
    if (!allowEmpty && text.empty())
        jsonFail(origin, at, "must not be empty");
    return text;
}

} // namespace

Catalog Catalog::fromJson(const QByteArray& json, const QString& origin)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        fail(ErrorCode::BadInput, origin.toStdString() + ": invalid JSON at offset " +
                                      std::to_string(parseError.offset) + ": " +
                                      parseError.errorString().toStdString());
    const std::string where = origin.toStdString();
    if (!document.isObject())
        jsonFail(where, "$", "expected an object with \"endpoints\"");
    const QJsonObject root = document.object();

    Catalog catalog;
    const QJsonValue pinned = root.value(QLatin1StringView("pinned_url_names"));
    if (!pinned.isUndefined()) {
        if (!pinned.isArray())
            jsonFail(where, "pinned_url_names", "expected an array, got " + jsonTypeName(pinned));
        const QJsonArray names = pinned.toArray();
        for (qsizetype i = 0; i < names.size(); ++i) {
            if (!names[i].isString() || names[i].toString().isEmpty())
                jsonFail(where, "pinned_url_names[" + std::to_string(i) + "]", "expected a non-empty string");
            catalog.m_pinned.push_back(names[i].toString().toStdString());
        }
    }
    std::vector<std::string> sortedPinned = catalog.m_pinned;
    std::sort(sortedPinned.begin(), sortedPinned.end());

    const QJsonValue endpoints = root.value(QLatin1StringView("endpoints"));
    if (endpoints.isUndefined())
        jsonFail(where, "endpoints", "missing");
    if (!endpoints.isArray())
        jsonFail(where, "endpoints", "expected an array, got " + jsonTypeName(endpoints));
    const QJsonArray list = endpoints.toArray();
    Compiled& compiled = *catalog.m_compiled;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const std::string path = "endpoints[" + std::to_string(i) + "]";
        if (!list[i].isObject())
            jsonFail(where, path, "expected an object, got " + jsonTypeName(list[i]));
        const QJsonObject object = list[i].toObject();
        Endpoint endpoint;
        endpoint.name = requireString(object, "name", where, path, false);
        endpoint.pattern = requireString(object, "pattern", where, path, true);
        const std::string silo = requireString(object, "silo", where, path, false);
        const auto parsedSilo = parseSilo(silo);
        if (!parsedSilo)
            jsonFail(where, path + ".silo",
                     "expected one of cell, control, internal_cell, internal_control, all (got \"" + silo +
                         "\")");
        endpoint.silo = *parsedSilo;
        const QJsonValue action = object.value(QLatin1StringView("backlog_action"));
        if (!action.isUndefined() && !action.isNull()) {
            if (!action.isString())
                jsonFail(where, path + ".backlog_action",
                         "expected a string or null, got " + jsonTypeName(action));
            endpoint.backlogAction = action.toString().toStdString();
        }
        if (endpoint.pattern.starts_with('/') || endpoint.pattern.starts_with("^/"))
            jsonFail(where, path + ".pattern",
                     "starts with '/'; patterns match the path without its leading slash");
        endpoint.pinned = std::binary_search(sortedPinned.begin(), sortedPinned.end(), endpoint.name);

        const auto index = static_cast<std::uint32_t>(catalog.m_endpoints.size());
        if (!compiled.compileSegmentTrie(index, endpoint.pattern))
            compiled.addFallback(index, endpoint, where + ": " + path + ".pattern");
        compiled.byName.emplace_back(endpoint.name, index);
        catalog.m_endpoints.push_back(std::move(endpoint));
    }
    // Django's reverse() and our lookups take the first definition of a duplicated name.
    std::stable_sort(compiled.byName.begin(), compiled.byName.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    catalog.m_pinned = std::move(sortedPinned);
    compiled.buildLiteralTables();
    return catalog;
}

Catalog Catalog::fromFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        fail(ErrorCode::BadInput,
             "cannot read catalog " + path.toStdString() + ": " + file.errorString().toStdString());
    return fromJson(file.readAll(), path);
}

Catalog Catalog::bundled()
{
    QFile file(QStringLiteral(":/cellscope/catalog/default_catalog.json"));
    if (!file.open(QIODevice::ReadOnly))
        fail(ErrorCode::Internal, "the bundled endpoint catalog is missing from the resources");
    return fromJson(file.readAll(), QStringLiteral("bundled catalog"));
}

const Endpoint* Catalog::find(std::string_view name) const noexcept
{
    const auto& byName = m_compiled->byName;
    auto it = std::lower_bound(byName.begin(), byName.end(), name,
                               [](const auto& entry, std::string_view key) { return entry.first < key; });
    return it != byName.end() && it->first == name ? &m_endpoints[it->second] : nullptr;
}

bool Catalog::isPinned(std::string_view urlName) const noexcept
{
    return std::binary_search(m_pinned.begin(), m_pinned.end(), urlName, std::less<>{});
}

bool Catalog::match(std::string_view path, EndpointMatch& out) const noexcept
{
    const Compiled& compiled = *m_compiled;
    Compiled::Search search;
    search.path = path;
    search.out = &out;
    compiled.walk(0, 0, search);
    for (const auto& fallback : compiled.fallbacks) {
        if (fallback.endpoint >= search.best)
            break;
        if (!path.starts_with(fallback.prefix))
            continue;
        // Latin-1 keeps offsets equal to byte offsets, so captures can point into `path`.
        const QString subject = QString::fromLatin1(path.data(), static_cast<qsizetype>(path.size()));
        const QRegularExpressionMatch found = fallback.regex.match(subject);
        if (!found.hasMatch())
            continue;
        out.endpoint = fallback.endpoint;
        out.captureCount = 0;
        for (std::size_t group = 1; group < fallback.groupNameIds.size(); ++group) {
            const int nameId = fallback.groupNameIds[group];
            const auto start = found.capturedStart(static_cast<int>(group));
            if (nameId < 0 || start < 0 || out.captureCount >= kMaxCaptures)
                continue;
            out.captures[out.captureCount++] = {
                compiled.names[static_cast<std::size_t>(nameId)],
                path.substr(static_cast<std::size_t>(start),
                            static_cast<std::size_t>(found.capturedLength(static_cast<int>(group))))};
        }
        return true;
    }
    return search.best != kNone;
}

std::vector<std::string> Catalog::complexPatterns() const
{
    std::vector<std::string> names;
    for (const auto& fallback : m_compiled->fallbacks)
        names.push_back(m_endpoints[fallback.endpoint].name);
    return names;
}

} // namespace cellscope::routing
