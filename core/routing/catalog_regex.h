#pragma once

// The subset of Python's regex syntax that the endpoint catalog compiles itself (core/routing/catalog.h),
// parsed into a small tree. Internal to catalog*.cpp; core/routing/catalog_trie.cpp turns the tree into
// trie edges and segment programs.

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace cellscope::routing {

// The `max` of a repeat without an upper bound ('*', '+', "{n,}").
inline constexpr std::uint16_t kUnbounded = std::numeric_limits<std::uint16_t>::max();

// A set of bytes.
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
    // Group names are interned into `names`, shared by every pattern of a catalog.
    ReParser(std::string_view text, std::vector<std::string>& names) : m_text(text), m_names(names) {}

    // The top-level alternatives; throws Unsupported.
    std::vector<std::vector<ReNode>> parseAll();
    int captureCount() const noexcept { return m_captures; }

private:
    bool atEnd() const noexcept { return m_pos >= m_text.size(); }
    char peek() const noexcept { return m_text[m_pos]; }
    bool consume(std::string_view token);

    std::vector<std::vector<ReNode>> parseAlternatives();
    std::vector<ReNode> parseSequence();
    ReNode parseAtom();
    void parseEscape(ReNode& node);
    char escapedChar(char c);
    CharClass parseClass();
    void parseQuantifier(ReNode& node);
    static std::uint16_t parseCount(std::string_view digits, std::uint16_t fallback);
    int nameId(std::string_view name);

    std::string_view m_text;
    std::vector<std::string>& m_names;
    std::vector<std::size_t> m_used;
    std::size_t m_pos = 0;
    int m_captures = 0;
};

// Whether the node can match a '/', so that it would cross a path segment.
bool mentionsSlash(const ReNode& node);

// A Python-regex pattern is a prefix match unless it ends in an unescaped '$' (Django's RegexPattern).
bool endsWithDollar(std::string_view pattern);

// The literal text every match must start with, so the fallback runs only on plausible paths.
std::string literalPrefix(std::string_view pattern);

} // namespace cellscope::routing
