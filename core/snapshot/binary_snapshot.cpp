#include "core/snapshot/binary_snapshot.h"

#include "core/snapshot/cell_settings.h"
#include "core/snapshot/json_snapshot.h"
#include "core/util/error.h"
#include "core/util/parallel.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>
#include <thread>

namespace cellscope {

// The big arrays are written as they are in memory: that needs a little-endian machine and 64-bit
// sizes, and the record layout is checked against the file's header when reading.
static_assert(std::endian::native == std::endian::little);
static_assert(sizeof(std::size_t) == 8);

namespace {

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint32_t kByteOrderMark = 0x01020304;

std::uint64_t load64(const unsigned char* p) noexcept
{
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    return word;
}

// A section's checksum: multiply-rotate rounds over 8-byte words in four independent lanes (the
// xxHash64 construction), fast enough to run while reading; crc32 would cost more than the read.
class Checksum
{
public:
    explicit Checksum(std::uint64_t seed) noexcept
        : m_lanes{seed + kPrime1 + kPrime2, seed + kPrime2, seed, seed - kPrime1}
    {}

    void add(const void* data, std::size_t size) noexcept
    {
        if (size == 0)
            return;
        auto p = static_cast<const unsigned char*>(data);
        m_total += size;
        if (m_buffered > 0) {
            const std::size_t take = std::min(size, m_buffer.size() - m_buffered);
            std::memcpy(m_buffer.data() + m_buffered, p, take);
            m_buffered += take;
            p += take;
            size -= take;
            if (m_buffered < m_buffer.size())
                return;
            stripe(m_buffer.data());
            m_buffered = 0;
        }
        for (; size >= 32; p += 32, size -= 32)
            stripe(p);
        std::memcpy(m_buffer.data(), p, size);
        m_buffered = size;
    }

    std::uint64_t finish() const noexcept
    {
        std::uint64_t h = std::rotl(m_lanes[0], 1) + std::rotl(m_lanes[1], 7) + std::rotl(m_lanes[2], 12) +
                          std::rotl(m_lanes[3], 18);
        for (const std::uint64_t lane : m_lanes)
            h = (h ^ round(0, lane)) * kPrime1 + kPrime4;
        h += m_total;
        std::size_t i = 0;
        for (; i + 8 <= m_buffered; i += 8)
            h = std::rotl(h ^ round(0, load64(m_buffer.data() + i)), 27) * kPrime1 + kPrime4;
        if (i < m_buffered) {
            std::uint64_t word = 0;
            std::memcpy(&word, m_buffer.data() + i, m_buffered - i);
            h = std::rotl(h ^ (word * kPrime1), 23) * kPrime2 + kPrime3;
        }
        h ^= h >> 33;
        h *= kPrime2;
        h ^= h >> 29;
        h *= kPrime3;
        return h ^ (h >> 32);
    }

private:
    static std::uint64_t round(std::uint64_t accumulator, std::uint64_t word) noexcept
    {
        return std::rotl(accumulator + word * kPrime2, 31) * kPrime1;
    }
    void stripe(const unsigned char* p) noexcept
    {
        m_lanes[0] = round(m_lanes[0], load64(p));
        m_lanes[1] = round(m_lanes[1], load64(p + 8));
        m_lanes[2] = round(m_lanes[2], load64(p + 16));
        m_lanes[3] = round(m_lanes[3], load64(p + 24));
    }

    std::array<std::uint64_t, 4> m_lanes;
    std::array<unsigned char, 32> m_buffer{};
    std::size_t m_buffered = 0;
    std::uint64_t m_total = 0;
};

struct FileHeader
{
    char magic[8];
    std::uint32_t version;
    std::uint32_t byteOrder;
    std::uint16_t recordSizes[4]; // organization, member, project key, slug reservation
    std::uint32_t sectionCount;
    std::uint32_t reserved0;
    std::uint64_t fileSize;
    std::uint64_t reserved[2];
    std::uint64_t checksum; // of the 56 bytes before it
};
static_assert(sizeof(FileHeader) == 64);

struct SectionHeader
{
    std::uint32_t id;
    std::uint32_t elementSize;
    std::uint64_t length; // bytes of data; zero padding to a multiple of 8 follows
    std::uint64_t checksum;
    std::uint64_t reserved;
};
static_assert(sizeof(SectionHeader) == 32);

constexpr std::array<std::uint16_t, 4> kRecordSizes{sizeof(OrganizationMapping), sizeof(MemberMapping),
                                                    sizeof(ProjectKey), sizeof(SlugReservation)};

// The sections, in file order.
enum Section : std::uint32_t
{
    kInfo = 1,
    kLocalities,
    kCells,
    kRoles,
    kIntegrations,
    kMiscPoolBytes,
    kOrgPoolBytes,
    kMemberPoolBytes,
    kKeyPoolBytes,
    kOrganizations,
    kOrgsPerCell,
    kMembers,
    kProjectKeys,
    kSlugReservations,
    kOrgById,
    kOrgBySlug,
    kKeyByPublicKey,
    kReservationBySlug,
    kOrgMemberStart,
    kOrgMembers,
    kMembersByUser,
    kOrgKeyStart,
    kOrgKeys,
    kSectionEnd
};
constexpr std::uint32_t kSectionCount = kSectionEnd - 1;

const char* sectionName(std::uint32_t id) noexcept
{
    static constexpr const char* kNames[] = {"",
                                             "info",
                                             "localities",
                                             "cells",
                                             "roles",
                                             "integrations",
                                             "misc text pool",
                                             "organization text pool",
                                             "member text pool",
                                             "project key text pool",
                                             "organizations",
                                             "organizations-per-cell",
                                             "members",
                                             "project keys",
                                             "slug reservations",
                                             "organization-by-id index",
                                             "organization-by-slug index",
                                             "project-key index",
                                             "slug-reservation index",
                                             "members-of-organization starts",
                                             "members-of-organization list",
                                             "members-by-user list",
                                             "keys-of-organization starts",
                                             "keys-of-organization list"};
    return id < kSectionEnd ? kNames[id] : "unknown";
}

std::uint64_t sectionSeed(std::uint32_t id, std::uint32_t elementSize, std::uint64_t length) noexcept
{
    return (std::uint64_t{id} << 32 | elementSize) ^ (length * kPrime3);
}

std::uint64_t padding(std::uint64_t length) noexcept
{
    return (8 - length % 8) % 8;
}

// The small variable parts: little-endian integers and strings prefixed by their u32 length.
class Encoder
{
public:
    void u8(std::uint8_t value) { m_bytes.push_back(static_cast<char>(value)); }
    void u16(std::uint16_t value) { raw(&value, sizeof value); }
    void u32(std::uint32_t value) { raw(&value, sizeof value); }
    void i64(std::int64_t value) { raw(&value, sizeof value); }
    void count(std::size_t value) { u32(static_cast<std::uint32_t>(value)); }
    void str(std::string_view text)
    {
        count(text.size());
        m_bytes.append(text);
    }
    std::string take() { return std::move(m_bytes); }

private:
    void raw(const void* value, std::size_t size) { m_bytes.append(static_cast<const char*>(value), size); }
    std::string m_bytes;
};

// One section to write: its pieces in order (a pool is one piece per chunk).
struct OutSection
{
    std::uint32_t id;
    std::uint32_t elementSize;
    std::vector<std::string_view> pieces;
    std::string owned; // a compact section's encoded bytes, its one piece when `pieces` is empty
    std::vector<std::string_view> parts() const
    {
        return pieces.empty() ? std::vector<std::string_view>{owned} : pieces;
    }
    std::uint64_t length() const
    {
        std::uint64_t total = 0;
        for (const auto piece : parts())
            total += piece.size();
        return total;
    }
};

template <typename T>
OutSection arraySection(std::uint32_t id, const std::vector<T>& values)
{
    return {id, sizeof(T), {{reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)}}, {}};
}

} // namespace

// The one place that sees the snapshot's storage as bytes (a friend of Snapshot, StringPool and
// FlatIndex): every other reader goes through their public interfaces.
class BinarySnapshotCodec
{
public:
    static void write(const Snapshot& s, std::ostream& out);
    static SnapshotPtr read(const std::string& path);

private:
    class Reader;
    static OutSection poolSection(std::uint32_t id, const StringPool& pool);
    static OutSection indexSection(std::uint32_t id, const FlatIndex& index)
    {
        return arraySection(id, index.m_slots);
    }
};

OutSection BinarySnapshotCodec::poolSection(std::uint32_t id, const StringPool& pool)
{
    OutSection section{id, 1, {}, {}};
    for (std::size_t c = 0; c < pool.m_chunks.size(); ++c)
        section.pieces.emplace_back(pool.m_chunks[c].get(),
                                    c + 1 < pool.m_chunks.size() ? StringPool::kChunkSize : pool.m_used);
    return section;
}

void BinarySnapshotCodec::write(const Snapshot& s, std::ostream& out)
{
    std::vector<OutSection> sections;
    auto compact = [&](std::uint32_t id, Encoder&& encoder) {
        sections.push_back({id, 1, {}, encoder.take()});
    };
    sections.reserve(kSectionCount);

    Encoder info;
    info.u32(static_cast<std::uint32_t>(s.m_info.version));
    info.str(s.m_info.appHost);
    info.str(s.m_info.monolithCell);
    info.i64(s.m_info.takenAt);
    compact(kInfo, std::move(info));

    Encoder localities;
    localities.count(s.m_localities.size());
    for (const Locality& locality : s.m_localities) {
        localities.str(locality.name);
        localities.u8(static_cast<std::uint8_t>(locality.category));
        localities.u8(locality.visible);
        localities.str(locality.newOrgCell);
        localities.count(locality.cells.size());
        for (const CellIndex cell : locality.cells)
            localities.u16(cell);
    }
    compact(kLocalities, std::move(localities));

    Encoder cells;
    cells.count(s.m_cells.size());
    for (const Cell& cell : s.m_cells) {
        cells.str(cell.name);
        cells.str(cell.locality);
        cells.i64(cell.snowflakeId);
        cells.str(cell.address);
        cells.u8(static_cast<std::uint8_t>(cell.category));
        cells.u8(cell.visible);
        cells.u8(cell.monolith);
        cells.u8(cell.declared);
    }
    compact(kCells, std::move(cells));

    Encoder roles;
    roles.count(s.m_roles.size());
    for (const std::string& role : s.m_roles)
        roles.str(role);
    compact(kRoles, std::move(roles));

    Encoder integrations;
    integrations.count(s.m_integrations.size());
    for (const Integration& integration : s.m_integrations) {
        integrations.i64(integration.id);
        integrations.str(integration.provider);
        integrations.str(integration.externalId);
        integrations.str(integration.name);
        integrations.count(integration.organizations.size());
        for (const std::int64_t org : integration.organizations)
            integrations.i64(org);
    }
    compact(kIntegrations, std::move(integrations));

    sections.push_back(poolSection(kMiscPoolBytes, s.m_pools[Snapshot::kMiscPool]));
    sections.push_back(poolSection(kOrgPoolBytes, s.m_pools[Snapshot::kOrgPool]));
    sections.push_back(poolSection(kMemberPoolBytes, s.m_pools[Snapshot::kMemberPool]));
    sections.push_back(poolSection(kKeyPoolBytes, s.m_pools[Snapshot::kKeyPool]));
    sections.push_back(arraySection(kOrganizations, s.m_orgs));
    sections.push_back(arraySection(kOrgsPerCell, s.m_orgsPerCell));
    sections.push_back(arraySection(kMembers, s.m_members));
    sections.push_back(arraySection(kProjectKeys, s.m_keys));
    sections.push_back(arraySection(kSlugReservations, s.m_reservations));
    sections.push_back(indexSection(kOrgById, s.m_orgById));
    sections.push_back(indexSection(kOrgBySlug, s.m_orgBySlug));
    sections.push_back(indexSection(kKeyByPublicKey, s.m_keyByPublicKey));
    sections.push_back(indexSection(kReservationBySlug, s.m_reservationBySlug));
    sections.push_back(arraySection(kOrgMemberStart, s.m_orgMemberStart));
    sections.push_back(arraySection(kOrgMembers, s.m_orgMembers));
    sections.push_back(arraySection(kMembersByUser, s.m_membersByUser));
    sections.push_back(arraySection(kOrgKeyStart, s.m_orgKeyStart));
    sections.push_back(arraySection(kOrgKeys, s.m_orgKeys));

    FileHeader header{};
    std::memcpy(header.magic, kBinarySnapshotMagic.data(), sizeof header.magic);
    header.version = kBinarySnapshotVersion;
    header.byteOrder = kByteOrderMark;
    std::copy(kRecordSizes.begin(), kRecordSizes.end(), header.recordSizes);
    header.sectionCount = static_cast<std::uint32_t>(sections.size());
    header.fileSize = sizeof(FileHeader);
    for (const OutSection& section : sections)
        header.fileSize += sizeof(SectionHeader) + section.length() + padding(section.length());
    Checksum headerSum(0);
    headerSum.add(&header, offsetof(FileHeader, checksum));
    header.checksum = headerSum.finish();
    out.write(reinterpret_cast<const char*>(&header), sizeof header);

    static constexpr char kZeros[8] = {};
    for (const OutSection& section : sections) {
        SectionHeader sectionHeader{section.id, section.elementSize, section.length(), 0, 0};
        Checksum sum(sectionSeed(section.id, section.elementSize, sectionHeader.length));
        const std::vector<std::string_view> parts = section.parts();
        for (const auto piece : parts)
            sum.add(piece.data(), piece.size());
        sectionHeader.checksum = sum.finish();
        out.write(reinterpret_cast<const char*>(&sectionHeader), sizeof sectionHeader);
        for (const auto piece : parts)
            out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
        out.write(kZeros, static_cast<std::streamsize>(padding(sectionHeader.length)));
    }
}

// Reads the header and the small compact sections in order, then locates every large section by
// its header alone, so their bytes can be read with large pread calls straight into the snapshot's
// arrays — on several threads at once, each checksumming and checking its section while the bytes
// are still in the cache.
class BinarySnapshotCodec::Reader
{
public:
    // A large section found by its header: the checked header and where its bytes start.
    struct Located
    {
        SectionHeader header{};
        std::uint64_t at = 0;
        template <typename T>
        std::size_t count() const noexcept
        {
            return header.length / sizeof(T);
        }
    };

    explicit Reader(std::string path) : m_path(std::move(path))
    {
        m_fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0)
            fail(ErrorCode::BadInput, "cannot open snapshot file " + m_path);
        struct stat status
        {};
        if (::fstat(m_fd, &status) != 0)
            fail(ErrorCode::BadInput, "cannot read snapshot file " + m_path);
        m_size = static_cast<std::uint64_t>(status.st_size);
    }
    ~Reader() { ::close(m_fd); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    std::uint64_t size() const noexcept { return m_size; }

    [[noreturn]] void refuse(const std::string& problem) const
    {
        fail(ErrorCode::BadInput, m_path + ": " + problem);
    }
    [[noreturn]] void corrupt(const std::string& problem) const
    {
        refuse("the binary snapshot is corrupt (" + problem + ")");
    }

    void readHeader()
    {
        FileHeader header{};
        const std::uint64_t got = readSome(&header, std::min<std::uint64_t>(m_size, sizeof header), 0);
        if (got < sizeof header.magic ||
            std::string_view(header.magic, sizeof header.magic) != kBinarySnapshotMagic)
            refuse("not a binary snapshot (it does not start with the CSSNAP magic bytes)");
        if (got >= offsetof(FileHeader, byteOrder) && header.version != kBinarySnapshotVersion)
            refuse(
                (header.version > kBinarySnapshotVersion
                     ? "written by a newer Cellscope in binary snapshot format version " +
                           std::to_string(header.version) + ", and this build reads only version "
                     : "written in binary snapshot format version " + std::to_string(header.version) +
                           ", which this build no longer reads (export the world again); it reads version ") +
                std::to_string(kBinarySnapshotVersion));
        if (got < sizeof header)
            refuse("the binary snapshot is truncated (" + std::to_string(m_size) +
                   " bytes, shorter than its 64-byte header)");
        if (header.byteOrder != kByteOrderMark ||
            !std::equal(kRecordSizes.begin(), kRecordSizes.end(), header.recordSizes))
            refuse("the binary snapshot was written with another byte order or record layout than this "
                   "build's");
        Checksum sum(0);
        sum.add(&header, offsetof(FileHeader, checksum));
        if (sum.finish() != header.checksum)
            corrupt("the header's checksum does not match");
        if (header.fileSize > m_size)
            refuse("the binary snapshot is truncated (" + std::to_string(m_size) + " of " +
                   std::to_string(header.fileSize) + " bytes)");
        if (header.fileSize < m_size)
            corrupt(std::to_string(m_size - header.fileSize) + " bytes follow its end");
        if (header.sectionCount != kSectionCount)
            corrupt("it has " + std::to_string(header.sectionCount) + " sections instead of " +
                    std::to_string(kSectionCount));
        m_offset = sizeof header;
    }

    // A compact section, to decode from memory.
    std::string readBytes(std::uint32_t id)
    {
        const Located section = locate(id, 1);
        std::string out(section.header.length, '\0');
        readChecked(section, out.data());
        return out;
    }

    // The next section's header, checked; the cursor moves past its bytes without reading them.
    Located locate(std::uint32_t id, std::uint32_t elementSize)
    {
        Located section;
        SectionHeader& header = section.header;
        if (m_size - m_offset < sizeof header)
            corrupt("the " + std::string(sectionName(id)) + " section is missing");
        if (readSome(&header, sizeof header, m_offset) != sizeof header)
            refuse("the binary snapshot is truncated at byte " + std::to_string(m_offset));
        if (header.id != id || header.elementSize != elementSize || header.reserved != 0)
            corrupt("expected the " + std::string(sectionName(id)) + " section at byte " +
                    std::to_string(m_offset));
        m_offset += sizeof header;
        if (header.length % elementSize != 0 || header.length > m_size - m_offset ||
            padding(header.length) > m_size - m_offset - header.length)
            corrupt("the " + std::string(sectionName(id)) + " section's length " +
                    std::to_string(header.length) + " is wrong");
        section.at = m_offset;
        m_offset += header.length + padding(header.length);
        return section;
    }

    void checkEnd() const
    {
        if (m_offset != m_size)
            corrupt(std::to_string(m_size - m_offset) + " bytes follow its last section");
    }

    // The rest are safe to call from several threads at once (pread at explicit offsets).

    // A section of fixed-size elements into a vector.
    template <typename T>
    void readArray(const Located& section, std::vector<T>& out) const
    {
        out.resize(section.count<T>());
        readChecked(section, out.data());
    }

    // A string pool's chunks, sized by preparePool, filled with the section's bytes.
    void readPool(const Located& section, StringPool& pool) const
    {
        const std::uint64_t length = section.header.length;
        Checksum sum(sectionSeed(section.header.id, 1, length));
        for (std::size_t c = 0; c < pool.m_chunks.size(); ++c) {
            const std::uint64_t done = std::uint64_t{c} * StringPool::kChunkSize;
            const std::uint64_t piece = std::min<std::uint64_t>(length - done, StringPool::kChunkSize);
            readHashed(pool.m_chunks[c].get(), piece, section.at + done, sum);
        }
        checkSum(section, sum);
    }

    // A pool's chunks for a section's bytes, allocated but not yet touched, so that the other
    // sections' checks can follow text references (chunk count, used bytes) before the bytes arrive.
    void preparePool(const Located& section, StringPool& pool) const
    {
        const std::uint64_t length = section.header.length;
        if (length > std::uint64_t{StringPool::kMaxChunks} * StringPool::kChunkSize)
            corrupt("the " + std::string(sectionName(section.header.id)) +
                    " section is longer than a pool can be");
        pool.m_chunks.clear();
        pool.m_used = StringPool::kChunkSize;
        for (std::uint64_t done = 0; done < length; done += StringPool::kChunkSize) {
            pool.m_chunks.push_back(std::make_unique_for_overwrite<char[]>(StringPool::kChunkSize));
            pool.m_used =
                static_cast<std::uint32_t>(std::min<std::uint64_t>(length - done, StringPool::kChunkSize));
        }
    }

    // A FlatIndex over `records` records: its slot count follows from reset(), the one sizing rule.
    void readIndex(const Located& section, FlatIndex& index, std::size_t records) const
    {
        index.reset(records);
        const std::uint32_t id = section.header.id;
        if (section.header.length != index.m_slots.size() * sizeof(std::uint32_t))
            corrupt("the " + std::string(sectionName(id)) + " section has " +
                    std::to_string(section.header.length) + " bytes for " + std::to_string(records) +
                    " records");
        readChecked(section, index.m_slots.data());
        // One branch-free pass: a slot is empty or holds a record number 1..records.
        bool outOfRange = false;
        for (const std::uint32_t stored : index.m_slots)
            outOfRange |= stored != 0 && (stored & index.m_valueMask) - 1u >= records;
        if (outOfRange)
            corrupt("the " + std::string(sectionName(id)) + " section points past its records");
    }

private:
    void readChecked(const Located& section, void* destination) const
    {
        const SectionHeader& header = section.header;
        Checksum sum(sectionSeed(header.id, header.elementSize, header.length));
        readHashed(destination, header.length, section.at, sum);
        checkSum(section, sum);
    }

    void checkSum(const Located& section, const Checksum& sum) const
    {
        const SectionHeader& header = section.header;
        std::uint64_t zeros = 0;
        readExact(&zeros, padding(header.length), section.at + header.length);
        if (zeros != 0 || sum.finish() != header.checksum)
            corrupt("the " + std::string(sectionName(header.id)) + " section's checksum does not match");
    }

    // Large reads, each hashed while its bytes are still in the cache.
    void readHashed(void* destination, std::uint64_t size, std::uint64_t at, Checksum& sum) const
    {
        constexpr std::uint64_t kPiece = 8u << 20;
        auto out = static_cast<char*>(destination);
        for (std::uint64_t done = 0; done < size;) {
            const std::uint64_t piece = std::min(size - done, kPiece);
            readExact(out + done, piece, at + done);
            sum.add(out + done, piece);
            done += piece;
        }
    }

    void readExact(void* destination, std::uint64_t size, std::uint64_t at) const
    {
        if (readSome(destination, size, at) != size)
            refuse("the binary snapshot is truncated at byte " + std::to_string(at));
    }

    std::uint64_t readSome(void* destination, std::uint64_t size, std::uint64_t at) const
    {
        auto out = static_cast<char*>(destination);
        std::uint64_t done = 0;
        while (done < size) {
            const ssize_t got = ::pread(m_fd, out + done, size - done, static_cast<off_t>(at + done));
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0)
                refuse(std::string("cannot read the file (") + std::strerror(errno) + ")");
            if (got == 0)
                break;
            done += static_cast<std::uint64_t>(got);
        }
        return done;
    }

    std::string m_path;
    int m_fd = -1;
    std::uint64_t m_size = 0;
    std::uint64_t m_offset = 0;
};

namespace {

// Decodes a compact section; running out of bytes is corruption the checksum did not catch (a file
// written by something else).
class Decoder
{
public:
    Decoder(std::string_view bytes, std::function<void(const std::string&)> corrupt)
        : m_rest(bytes), m_corrupt(std::move(corrupt))
    {}
    std::uint8_t u8() { return raw<std::uint8_t>(); }
    std::uint16_t u16() { return raw<std::uint16_t>(); }
    std::uint32_t u32() { return raw<std::uint32_t>(); }
    std::int64_t i64() { return raw<std::int64_t>(); }
    bool flag()
    {
        const std::uint8_t value = u8();
        if (value > 1)
            m_corrupt("a flag is neither 0 nor 1");
        return value == 1;
    }
    // An element count: each element takes at least a byte, so a count can never exceed what is left.
    std::size_t count()
    {
        const std::uint32_t value = u32();
        if (value > m_rest.size())
            m_corrupt("a count runs past the section");
        return value;
    }
    std::string str()
    {
        const std::size_t size = count();
        std::string text(m_rest.substr(0, size));
        m_rest.remove_prefix(size);
        return text;
    }
    void done()
    {
        if (!m_rest.empty())
            m_corrupt("it has bytes after its last entry");
    }

private:
    template <typename T>
    T raw()
    {
        T value{};
        if (m_rest.size() < sizeof value)
            m_corrupt("it ends early");
        std::memcpy(&value, m_rest.data(), sizeof value);
        m_rest.remove_prefix(sizeof value);
        return value;
    }
    std::string_view m_rest;
    std::function<void(const std::string&)> m_corrupt;
};

// Runs every job once on up to as many threads as there are cores, largest first so the last to
// finish is a small one; a file under 8 MiB is read on the calling thread (a thread costs more than
// it saves). When jobs fail, the error of the first in file order is thrown, whichever thread saw
// its problem first, so the same file is always refused with the same message.
void runLargestFirst(const std::vector<std::pair<std::uint32_t, std::function<void()>>>& jobs,
                     const std::function<std::uint64_t(std::uint32_t)>& bytes, std::uint64_t fileSize)
{
    std::vector<std::size_t> order(jobs.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return bytes(jobs[a].first) > bytes(jobs[b].first);
    });
    std::vector<std::exception_ptr> errors(jobs.size());
    std::atomic<std::size_t> next{0};
    const unsigned threads =
        fileSize < (8u << 20) ? 1u : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    forEachSlice(threads, threads, [&](std::size_t, std::size_t, unsigned) {
        for (std::size_t i; (i = next.fetch_add(1)) < order.size();) {
            try {
                jobs[order[i]].second();
            } catch (...) {
                errors[order[i]] = std::current_exception();
            }
        }
    });
    for (const std::exception_ptr& error : errors)
        if (error)
            std::rethrow_exception(error);
}

CellCategory category(Decoder& in, const std::function<void(const std::string&)>& corrupt)
{
    const std::uint8_t value = in.u8();
    if (value > static_cast<std::uint8_t>(CellCategory::SingleTenant))
        corrupt("an unknown cell category");
    return static_cast<CellCategory>(value);
}

} // namespace

SnapshotPtr BinarySnapshotCodec::read(const std::string& path)
{
    Reader in(path);
    in.readHeader();
    std::unique_ptr<Snapshot> snapshot(new Snapshot);
    Snapshot& s = *snapshot;

    auto decoder = [&](std::uint32_t id, const std::string& bytes) {
        return Decoder(bytes, [&in, id](const std::string& problem) {
            in.corrupt("the " + std::string(sectionName(id)) + " section is malformed: " + problem);
        });
    };
    const std::string infoBytes = in.readBytes(kInfo);
    Decoder info = decoder(kInfo, infoBytes);
    s.m_info.version = static_cast<int>(info.u32());
    s.m_info.appHost = info.str();
    s.m_info.monolithCell = info.str();
    s.m_info.takenAt = info.i64();
    s.m_info.source = "file: " + path;
    info.done();

    const std::string localityBytes = in.readBytes(kLocalities);
    Decoder localities = decoder(kLocalities, localityBytes);
    auto corruptLocality = [&](const std::string& problem) {
        in.corrupt("the localities section is malformed: " + problem);
    };
    s.m_localities.resize(localities.count());
    for (Locality& locality : s.m_localities) {
        locality.name = localities.str();
        locality.category = category(localities, corruptLocality);
        locality.visible = localities.flag();
        locality.newOrgCell = localities.str();
        locality.cells.resize(localities.count());
        for (CellIndex& cell : locality.cells)
            cell = localities.u16();
    }
    localities.done();

    const std::string cellBytes = in.readBytes(kCells);
    Decoder cells = decoder(kCells, cellBytes);
    auto corruptCell = [&](const std::string& problem) {
        in.corrupt("the cells section is malformed: " + problem);
    };
    s.m_cells.resize(cells.count());
    for (Cell& cell : s.m_cells) {
        cell.name = cells.str();
        cell.locality = cells.str();
        cell.snowflakeId = cells.i64();
        cell.address = cells.str();
        cell.category = category(cells, corruptCell);
        cell.visible = cells.flag();
        cell.monolith = cells.flag();
        cell.declared = cells.flag();
    }
    cells.done();
    if (s.m_cells.size() > kNoCell)
        in.corrupt("it has more cells than a snapshot can hold");
    for (const Locality& locality : s.m_localities)
        for (const CellIndex cell : locality.cells)
            if (cell >= s.m_cells.size())
                in.corrupt("locality '" + locality.name + "' names a cell that does not exist");

    const std::string roleBytes = in.readBytes(kRoles);
    Decoder roles = decoder(kRoles, roleBytes);
    s.m_roles.resize(roles.count());
    for (std::string& role : s.m_roles)
        role = roles.str();
    roles.done();

    const std::string integrationBytes = in.readBytes(kIntegrations);
    Decoder integrations = decoder(kIntegrations, integrationBytes);
    s.m_integrations.resize(integrations.count());
    for (Integration& integration : s.m_integrations) {
        integration.id = integrations.i64();
        integration.provider = integrations.str();
        integration.externalId = integrations.str();
        integration.name = integrations.str();
        integration.organizations.resize(integrations.count());
        for (std::int64_t& org : integration.organizations)
            org = integrations.i64();
    }
    integrations.done();
    try {
        s.indexIntegrations();
    } catch (const Error& e) {
        in.corrupt(e.what());
    }

    // The large sections: each located by its header first, then all read at once, biggest first,
    // each checked on its own thread against the counts the headers gave (the checksums catch
    // damage; the checks catch a file that is consistent but wrong, written by something else,
    // wherever a query would otherwise index out of range).
    std::array<Reader::Located, kSectionEnd> at{};
    const auto element = [](std::uint32_t id) -> std::uint32_t {
        switch (id) {
        case kOrganizations:
            return sizeof(OrganizationMapping);
        case kOrgsPerCell:
            return sizeof(decltype(Snapshot::m_orgsPerCell)::value_type);
        case kMembers:
            return sizeof(MemberMapping);
        case kProjectKeys:
            return sizeof(ProjectKey);
        case kSlugReservations:
            return sizeof(SlugReservation);
        case kMiscPoolBytes:
        case kOrgPoolBytes:
        case kMemberPoolBytes:
        case kKeyPoolBytes:
            return 1;
        default:
            return sizeof(std::uint32_t); // indexes and the CSR lists
        }
    };
    for (std::uint32_t id = kMiscPoolBytes; id < kSectionEnd; ++id)
        at[id] = in.locate(id, element(id));
    in.checkEnd();
    const std::size_t orgCount = at[kOrganizations].count<OrganizationMapping>();
    const std::size_t memberCount = at[kMembers].count<MemberMapping>();
    const std::size_t keyCount = at[kProjectKeys].count<ProjectKey>();
    const std::size_t cellCount = s.m_cells.size();
    constexpr std::array<std::pair<std::uint32_t, std::size_t>, 4> kPools{
        {{kMiscPoolBytes, Snapshot::kMiscPool},
         {kOrgPoolBytes, Snapshot::kOrgPool},
         {kMemberPoolBytes, Snapshot::kMemberPool},
         {kKeyPoolBytes, Snapshot::kKeyPool}}};
    for (const auto& [id, pool] : kPools)
        in.preparePool(at[id], s.m_pools[pool]);
    if (at[kOrgsPerCell].count<std::size_t>() != cellCount)
        in.corrupt("the organizations-per-cell section does not match the cells");
    if (at[kMembersByUser].count<MemberIndex>() != memberCount)
        in.corrupt("the members-by-user list does not match the members");

    auto validRef = [&](StrRef ref, std::uint32_t pool) {
        if (ref.length == 0)
            return true;
        const StringPool& owner = s.m_pools[pool];
        const std::uint32_t local = ref.offset & ((1u << StringPool::kPoolShift) - 1);
        const std::uint32_t chunk = local >> StringPool::kChunkBits;
        const std::uint32_t inChunk = local & (StringPool::kChunkSize - 1);
        const std::uint32_t chunkEnd =
            chunk + 1 < owner.m_chunks.size() ? StringPool::kChunkSize : owner.m_used;
        return StringPool::poolOf(ref) == pool && chunk < owner.m_chunks.size() &&
               std::uint64_t{inChunk} + ref.length <= chunkEnd;
    };
    // A CSR pair: starts[i]..starts[i+1] of group i index a list of records.
    auto readStarts = [&](std::uint32_t id, std::vector<std::uint32_t>& starts, std::size_t listSize) {
        in.readArray(at[id], starts);
        if (starts.size() != orgCount + 1 || starts.front() != 0 || starts.back() != listSize ||
            !std::is_sorted(starts.begin(), starts.end()))
            in.corrupt("the " + std::string(sectionName(id)) + " section does not match its list");
    };
    auto readList = [&](std::uint32_t id, std::vector<std::uint32_t>& list, std::size_t records) {
        in.readArray(at[id], list);
        bool outOfRange = false;
        for (const std::uint32_t record : list)
            outOfRange |= record >= records;
        if (outOfRange)
            in.corrupt("the " + std::string(sectionName(id)) + " section points past its records");
    };
    std::vector<std::pair<std::uint32_t, std::function<void()>>> jobs;
    for (const auto& [id, pool] : kPools)
        jobs.emplace_back(id, [&, id = id, pool = pool] { in.readPool(at[id], s.m_pools[pool]); });
    jobs.emplace_back(kOrganizations, [&] {
        in.readArray(at[kOrganizations], s.m_orgs);
        for (const OrganizationMapping& org : s.m_orgs)
            if (org.cell >= cellCount || static_cast<std::uint16_t>(org.status) > 3 ||
                !validRef(org.slug, Snapshot::kOrgPool) || !validRef(org.name, Snapshot::kOrgPool))
                in.corrupt("organization " + std::to_string(org.id) + " has a cell or text out of range");
    });
    jobs.emplace_back(kOrgsPerCell, [&] { in.readArray(at[kOrgsPerCell], s.m_orgsPerCell); });
    jobs.emplace_back(kMembers, [&] {
        in.readArray(at[kMembers], s.m_members);
        for (const MemberMapping& member : s.m_members)
            if (static_cast<std::size_t>(member.role) >= s.m_roles.size() || member.userId < 0 ||
                !validRef(member.email, Snapshot::kMemberPool))
                in.corrupt("a member of organization " + std::to_string(member.organizationId) +
                           " has a role or text out of range");
    });
    jobs.emplace_back(kProjectKeys, [&] {
        in.readArray(at[kProjectKeys], s.m_keys);
        for (const ProjectKey& key : s.m_keys) {
            StrRef ref;
            std::memcpy(&ref, key.packed.data(), sizeof ref);
            if ((key.cell >= cellCount && key.cell != kNoCell) || static_cast<int>(key.dsnFormat) > 2 ||
                (!key.packedHex && (ref.length == 0 || !validRef(ref, Snapshot::kKeyPool))))
                in.corrupt("project key " + std::to_string(key.projectKeyId) +
                           " has a cell or text out of range");
        }
    });
    jobs.emplace_back(kSlugReservations, [&] {
        in.readArray(at[kSlugReservations], s.m_reservations);
        for (const SlugReservation& reservation : s.m_reservations)
            if ((reservation.cell >= cellCount && reservation.cell != kNoCell) || reservation.type > 2 ||
                !validRef(reservation.slug, Snapshot::kMiscPool))
                in.corrupt("a slug reservation of organization " +
                           std::to_string(reservation.organizationId) + " has a cell or text out of range");
    });
    jobs.emplace_back(kOrgById, [&] { in.readIndex(at[kOrgById], s.m_orgById, orgCount); });
    jobs.emplace_back(kOrgBySlug, [&] { in.readIndex(at[kOrgBySlug], s.m_orgBySlug, orgCount); });
    jobs.emplace_back(kKeyByPublicKey,
                      [&] { in.readIndex(at[kKeyByPublicKey], s.m_keyByPublicKey, keyCount); });
    jobs.emplace_back(kReservationBySlug, [&] {
        in.readIndex(at[kReservationBySlug], s.m_reservationBySlug,
                     at[kSlugReservations].count<SlugReservation>());
    });
    jobs.emplace_back(kOrgMemberStart, [&] {
        readStarts(kOrgMemberStart, s.m_orgMemberStart, at[kOrgMembers].count<MemberIndex>());
    });
    jobs.emplace_back(kOrgMembers, [&] { readList(kOrgMembers, s.m_orgMembers, memberCount); });
    jobs.emplace_back(kMembersByUser, [&] { readList(kMembersByUser, s.m_membersByUser, memberCount); });
    jobs.emplace_back(kOrgKeyStart,
                      [&] { readStarts(kOrgKeyStart, s.m_orgKeyStart, at[kOrgKeys].count<KeyIndex>()); });
    jobs.emplace_back(kOrgKeys, [&] { readList(kOrgKeys, s.m_orgKeys, keyCount); });
    runLargestFirst(
        jobs, [&](std::uint32_t id) { return at[id].header.length; }, in.size());
    return SnapshotPtr(snapshot.release());
}

bool hasBinarySnapshotMagic(std::string_view firstBytes) noexcept
{
    return firstBytes.substr(0, kBinarySnapshotMagic.size()) == kBinarySnapshotMagic;
}

void writeSnapshotBinaryFile(const Snapshot& snapshot, const std::string& path)
{
    const std::string temporary = path + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            fail(ErrorCode::BadInput, "cannot write " + path);
        BinarySnapshotCodec::write(snapshot, out);
        out.flush();
        if (!out)
            fail(ErrorCode::BadInput, "writing " + path + " failed (disk full?)");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        fail(ErrorCode::BadInput, "cannot move the snapshot into place at " + path);
}

SnapshotPtr loadSnapshotBinaryFile(const std::string& path)
{
    return BinarySnapshotCodec::read(path);
}

SnapshotPtr loadSnapshotFile(const std::string& path)
{
    char head[8] = {};
    {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            fail(ErrorCode::BadInput, "cannot open snapshot file " + path);
        in.read(head, sizeof head);
        if (hasBinarySnapshotMagic({head, static_cast<std::size_t>(in.gcount())}))
            return loadSnapshotBinaryFile(path);
    }
    if (isCellSettingsFile(path))
        return snapshotFromCellSettings(validateCellSettingsFile(path), path);
    return loadSnapshotJsonFile(path);
}

std::string resealBinarySnapshot(std::string bytes)
{
    if (bytes.size() < sizeof(FileHeader))
        return bytes;
    FileHeader header;
    std::memcpy(&header, bytes.data(), sizeof header);
    header.fileSize = bytes.size();
    Checksum headerSum(0);
    headerSum.add(&header, offsetof(FileHeader, checksum));
    header.checksum = headerSum.finish();
    std::memcpy(bytes.data(), &header, sizeof header);
    for (std::size_t offset = sizeof header; bytes.size() - offset >= sizeof(SectionHeader);) {
        SectionHeader section;
        std::memcpy(&section, bytes.data() + offset, sizeof section);
        const std::size_t data = offset + sizeof section;
        if (section.length > bytes.size() - data)
            break;
        Checksum sum(sectionSeed(section.id, section.elementSize, section.length));
        sum.add(bytes.data() + data, static_cast<std::size_t>(section.length));
        section.checksum = sum.finish();
        std::memcpy(bytes.data() + offset, &section, sizeof section);
        if (padding(section.length) > bytes.size() - data - section.length)
            break;
        offset = data + static_cast<std::size_t>(section.length + padding(section.length));
    }
    return bytes;
}

} // namespace cellscope
