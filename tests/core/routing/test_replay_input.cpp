// Replay of a whole input on several threads and from gzip or zstd: the report equals one
// replayer's line by line, however the input is cut, compressed or threaded.
#include "core/routing/replay_input.h"
#include "core/util/decoded_input.h"
#include "core/util/error.h"
#include "tests/core/routing/routing_test_world.h"

#include <QBuffer>

#include <gtest/gtest.h>

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <random>

using namespace cellscope;
using namespace cellscope::routing;

namespace {

// A pipe's way of handing data over: a few hundred bytes per read.
class Trickle : public QIODevice
{
public:
    explicit Trickle(QByteArray data) : m_data(std::move(data)) { open(QIODevice::ReadOnly); }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char* out, qint64 max) override
    {
        const qint64 n = std::min({max, qint64{777}, m_data.size() - m_pos});
        std::memcpy(out, m_data.constData() + m_pos, static_cast<std::size_t>(n));
        m_pos += n;
        return n;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QByteArray m_data;
    qint64 m_pos = 0;
};

class ReplayInputTest : public testworld::RoutingWorldTest
{
protected:
    // About 26 MB: several blocks, with blank lines, CRLF, overlong lines (one inside a block,
    // one of 9 MB across blocks) and no newline after the last line.
    static const std::string& log()
    {
        static const std::string text = [] {
            const char* const shapes[] = {
                "https://us.sentry.io/api/0/organizations/acme/issues/",
                "https://de.sentry.io/api/0/organizations/bergwerk/releases/",
                "10.0.0.1 - - [01/Dec/2026:10:00:00 +0000] \"GET /api/0/organizations/globex/ HTTP/1.1\" 200 "
                "5",
                "https://ingest.de.sentry.io/api/51/store/?sentry_key=e5000000000000000000000000000005",
                "https://us.sentry.io/api/0/issues/42/",
                "not a request at all",
                "",
            };
            std::string out;
            std::mt19937 random(11);
            for (int i = 0; i < 400'000; ++i) {
                out += shapes[random() % std::size(shapes)];
                out += i % 5 == 0 ? "\r\n" : "\n";
                if (i == 1000)
                    out += std::string(Replayer::kMaxLineBytes + 10, 'a') + "\n";
                if (i == 200'000)
                    out += std::string(9 << 20, 'b') + "\n";
            }
            out += "https://us.sentry.io/api/0/organizations/initech/";
            return out;
        }();
        return text;
    }

    static QByteArray replay(const std::string& bytes, unsigned threads, const ReplayOptions& options = {})
    {
        QByteArray data(bytes.data(), static_cast<qsizetype>(bytes.size()));
        QBuffer buffer(&data);
        buffer.open(QIODevice::ReadOnly);
        return replayReportToJson(replayInput(*s_world, *s_catalog, options, buffer, "test.log", threads));
    }

    static QByteArray oneReplayer(const std::string& bytes)
    {
        Replayer replayer(*s_world, *s_catalog);
        replayer.feed(bytes);
        replayer.finish();
        return replayReportToJson(replayer.report());
    }

    static std::string gzip(std::string_view text)
    {
        z_stream z{};
        EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        std::string out(deflateBound(&z, static_cast<uLong>(text.size())), '\0');
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
        z.avail_in = static_cast<uInt>(text.size());
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
        out.resize(z.total_out);
        deflateEnd(&z);
        return out;
    }

    static std::string zstd(std::string_view text)
    {
        std::string out(ZSTD_compressBound(text.size()), '\0');
        const std::size_t size = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
        EXPECT_FALSE(ZSTD_isError(size));
        out.resize(size);
        return out;
    }
};

} // namespace

TEST_F(ReplayInputTest, EveryThreadCountGivesOneReplayersReport)
{
    const QByteArray expected = oneReplayer(log());
    for (const unsigned threads : {1u, 2u, 3u, 8u})
        EXPECT_EQ(replay(log(), threads), expected) << threads << " threads";
    // The overlong lines are malformed ones, the file's last line (no newline) is read.
    const QByteArray report = replay(log(), 2);
    EXPECT_NE(report.indexOf("\"malformed\""), -1);
}

TEST_F(ReplayInputTest, APipeThatHandsOverALittleAtATimeGivesTheSameReport)
{
    const QByteArray expected = oneReplayer(log());
    for (const std::string& bytes : {log(), zstd(log())}) {
        Trickle pipe(QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size())));
        EXPECT_EQ(replayReportToJson(replayInput(*s_world, *s_catalog, {}, pipe, "pipe", 2)), expected);
    }
}

TEST_F(ReplayInputTest, GzipAndZstdReadAsThePlainText)
{
    const QByteArray expected = oneReplayer(log());
    EXPECT_EQ(replay(gzip(log()), 2), expected);
    EXPECT_EQ(replay(zstd(log()), 2), expected);
    // Concatenated members and frames (cat a.gz b.gz) are one stream.
    const std::string_view text(log());
    const std::size_t half = text.find('\n', text.size() / 2) + 1;
    EXPECT_EQ(replay(gzip(text.substr(0, half)) + gzip(text.substr(half)), 1), expected);
    EXPECT_EQ(replay(zstd(text.substr(0, half)) + zstd(text.substr(half)), 2), expected);
}

TEST_F(ReplayInputTest, CorruptOrTruncatedCompressedInputIsRefusedClearly)
{
    const std::string small = "https://us.sentry.io/api/0/organizations/acme/\n";
    const auto refusal = [&](const std::string& bytes) -> std::string {
        try {
            replay(bytes, 2);
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::BadInput);
            return e.what();
        }
        return "accepted";
    };
    const std::string gz = gzip(std::string(200'000, 'x') + small);
    EXPECT_NE(refusal(gz.substr(0, gz.size() / 2)).find("test.log is a truncated gzip stream"),
              std::string::npos);
    std::string flipped = gz;
    for (std::size_t i = 20; i < 60; ++i)
        flipped[i] = static_cast<char>(~flipped[i]);
    EXPECT_NE(refusal(flipped).find("test.log is not valid gzip data at compressed byte"), std::string::npos);
    const std::string zst = zstd(small);
    EXPECT_NE(refusal(zst.substr(0, zst.size() - 3)).find("test.log is a truncated zstd stream"),
              std::string::npos);
    std::string badZst = zst;
    badZst[5] = static_cast<char>(0xff);
    badZst[6] = static_cast<char>(0xff);
    EXPECT_NE(refusal(badZst).find("test.log is not valid zstd data"), std::string::npos);
}

TEST_F(ReplayInputTest, ThePlainEncodingIsToldByItsFirstBytes)
{
    for (const auto& [bytes, encoding] :
         {std::pair{std::string("\x1f\x8b rest"), DecodedInput::Encoding::Gzip},
          {std::string("\x28\xb5\x2f\xfd rest"), DecodedInput::Encoding::Zstd},
          {std::string("\x1f plain"), DecodedInput::Encoding::Plain},
          {std::string(), DecodedInput::Encoding::Plain}}) {
        QByteArray data(bytes.data(), static_cast<qsizetype>(bytes.size()));
        QBuffer buffer(&data);
        buffer.open(QIODevice::ReadOnly);
        EXPECT_EQ(DecodedInput(buffer, "x").encoding(), encoding);
    }
}
