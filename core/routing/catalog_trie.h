#pragma once

// The compiled form of a Catalog (core/routing/catalog.h): a segment trie over the patterns the regex
// subset of core/routing/catalog_regex.h can express, QRegularExpression fallbacks for the rest. Internal
// to catalog*.cpp: core/routing/catalog.cpp loads the JSON into it, core/routing/catalog_trie.cpp compiles
// and matches.

#include "core/routing/catalog.h"
#include "core/routing/catalog_regex.h"

#include <QRegularExpression>

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cellscope::routing {

// No endpoint, no child, an empty literal slot.
inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// The most trie paths one pattern may expand to (the product of its segments' literal
// alternatives); no pattern of the bundled catalog expands to more than two.
inline constexpr std::size_t kMaxTriePaths = 4096;

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

    // Compiles `^seg/seg/.../seg$?` into trie edges; false when the pattern needs the regex fallback.
    bool compileSegmentTrie(std::uint32_t endpoint, std::string_view pattern);
    void addFallback(std::uint32_t endpoint, const Endpoint& source, const std::string& where);
    bool splitSegments(std::string_view body, std::vector<std::vector<ReNode>>& segments);
    Step compileStep(std::string_view body, const std::vector<ReNode>& segment, bool prefix);
    bool compileRun(const std::vector<ReNode>& segment, Edge& edge);
    void compileProgram(const std::vector<ReNode>& segment, bool prefix, Edge& edge);
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
    bool match(std::string_view path, EndpointMatch& out) const noexcept;
    bool matchFallbacks(std::string_view path, std::uint32_t best, EndpointMatch& out) const noexcept;
    void walk(std::uint32_t node, std::size_t pos, Search& search) const noexcept;
    bool matchEdge(const Edge& edge, std::string_view segment, Search& search) const noexcept;
    bool exec(std::uint32_t pc, std::size_t pos, std::string_view segment, bool prefix, int* saves,
              int& budget) const noexcept;
    void record(std::uint32_t endpoint, Search& search) const noexcept;
};

} // namespace cellscope::routing
