#include "core/routing/catalog_trie.h"

#include "core/util/error.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace cellscope::routing {

namespace {

// Backtracking steps allowed per segment; beyond it a hostile segment simply does not match.
constexpr int kStepBudget = 20000;

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

bool allChars(const std::vector<ReNode>& nodes)
{
    return std::all_of(nodes.begin(), nodes.end(),
                       [](const ReNode& n) { return n.kind == ReNode::Kind::Char; });
}

// The text of nodes that are all plain characters.
std::string charText(const std::vector<ReNode>& nodes)
{
    std::string text;
    for (const ReNode& n : nodes)
        text += static_cast<char>(n.ch);
    return text;
}

// A non-capturing alternation of literals, e.g. (?:issues|groups).
bool isLiteralSet(const std::vector<ReNode>& segment)
{
    return segment.size() == 1 && segment.front().kind == ReNode::Kind::Group && segment.front().nameId < 0 &&
           std::all_of(segment.front().alternatives.begin(), segment.front().alternatives.end(), allChars);
}

} // namespace

// ---- Compiling --------------------------------------------------------------------------------

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

bool Catalog::Compiled::compileSegmentTrie(std::uint32_t endpoint, std::string_view pattern)
{
    if (!pattern.starts_with('^'))
        return false; // Django searches unanchored patterns anywhere in the path
    const bool anchored = endsWithDollar(pattern);
    const std::string_view body = pattern.substr(1, pattern.size() - 1 - (anchored ? 1 : 0));
    std::vector<std::vector<ReNode>> segments(1);
    if (!splitSegments(body, segments))
        return false;

    // Compile every segment first so an unsupported one leaves the trie untouched.
    std::vector<Step> steps;
    const std::size_t codeMark = code.size(), literalMark = literals.size(), slotMark = slotNameIds.size();
    try {
        // Each literal alternative is a path of its own in the trie, so alternations in several
        // segments multiply; past kMaxTriePaths the pattern is left to the regex fallback, or a
        // catalog could make compiling exponential (a fuzzed one took minutes).
        std::size_t paths = 1;
        for (std::size_t i = 0; i < segments.size(); ++i) {
            steps.push_back(compileStep(body, segments[i], !anchored && i + 1 == segments.size()));
            paths *= std::max<std::size_t>(1, steps.back().texts.size());
            if (paths > kMaxTriePaths)
                throw Unsupported{};
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

// Appends the pattern body's nodes to `segments`, starting a new segment at each literal '/'; false when
// the body is outside the subset or a node could match a '/'.
bool Catalog::Compiled::splitSegments(std::string_view body, std::vector<std::vector<ReNode>>& segments)
{
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
    return true;
}

// One path segment as literal texts (hash-table edges), a class run or a program; throws Unsupported.
// `prefix`: the unanchored last segment, which may match only the start of a path segment.
Catalog::Compiled::Step Catalog::Compiled::compileStep(std::string_view body,
                                                       const std::vector<ReNode>& segment, bool prefix)
{
    Step step;
    step.edge.key.assign(
        segment.empty() ? std::string_view()
                        : body.substr(segment.front().begin, segment.back().end - segment.front().begin));
    if (!prefix && allChars(segment)) {
        step.texts.push_back(charText(segment));
        return step;
    }
    if (!prefix && isLiteralSet(segment)) {
        // The whole segment must equal one alternative, so their order and repeats do not matter.
        for (const auto& alternative : segment.front().alternatives)
            step.texts.push_back(charText(alternative));
        std::sort(step.texts.begin(), step.texts.end());
        step.texts.erase(std::unique(step.texts.begin(), step.texts.end()), step.texts.end());
        return step;
    }
    if (!prefix && compileRun(segment, step.edge))
        return step;
    compileProgram(segment, prefix, step.edge);
    return step;
}

// The common kwarg shape: one character class repeated over the whole segment, e.g. (?P<x>[^/]+) or \d+.
bool Catalog::Compiled::compileRun(const std::vector<ReNode>& segment, Edge& edge)
{
    const ReNode* run = segment.size() == 1 ? &segment.front() : nullptr;
    int nameId = -1;
    if (run && run->kind == ReNode::Kind::Group && run->alternatives.size() == 1 &&
        run->alternatives.front().size() == 1) {
        nameId = run->nameId;
        run = &run->alternatives.front().front();
    }
    const bool simpleRun =
        run && (run->kind == ReNode::Kind::Class ||
                (run->kind == ReNode::Kind::Repeat && run->child.front().kind == ReNode::Kind::Class));
    if (!simpleRun)
        return false;
    const ReNode& atom = run->kind == ReNode::Kind::Class ? *run : run->child.front();
    edge.kind = EdgeKind::Run;
    edge.cls = classIndex(atom.cls);
    edge.min = run->kind == ReNode::Kind::Class ? 1 : run->min;
    edge.max = run->kind == ReNode::Kind::Class ? 1 : run->max;
    edge.nameId = nameId;
    return true;
}

// Anything else in one segment runs on the small backtracking matcher (exec).
void Catalog::Compiled::compileProgram(const std::vector<ReNode>& segment, bool prefix, Edge& edge)
{
    std::vector<int> saves;
    std::uint32_t slotBase = 0;
    edge.kind = EdgeKind::Program;
    edge.prefix = prefix;
    edge.pc = static_cast<std::uint32_t>(code.size());
    for (const ReNode& node : segment)
        emitNode(node, slotBase, saves);
    code.push_back({Op::End, false, 0, 0, 0, 0});
    computeFollowSets(edge.pc);
    edge.slotNames = static_cast<std::uint32_t>(slotNameIds.size());
    edge.slotCount = static_cast<std::uint32_t>(saves.size());
    slotNameIds.insert(slotNameIds.end(), saves.begin(), saves.end());
    if (prefix)
        edge.key += "\x01prefix";
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

bool Catalog::Compiled::match(std::string_view path, EndpointMatch& out) const noexcept
{
    Search search;
    search.path = path;
    search.out = &out;
    walk(0, 0, search);
    return matchFallbacks(path, search.best, out) || search.best != kNone;
}

// The regex fallbacks that come before `best` in file order, first match wins.
bool Catalog::Compiled::matchFallbacks(std::string_view path, std::uint32_t best,
                                       EndpointMatch& out) const noexcept
{
    for (const auto& fallback : fallbacks) {
        if (fallback.endpoint >= best)
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
                names[static_cast<std::size_t>(nameId)],
                path.substr(static_cast<std::size_t>(start),
                            static_cast<std::size_t>(found.capturedLength(static_cast<int>(group))))};
        }
        return true;
    }
    return false;
}

} // namespace cellscope::routing
