#include "core/util/decoded_input.h"

#include "core/util/error.h"

#include <QIODevice>

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace cellscope {

namespace {

constexpr std::size_t kInChunk = 1 << 18;

} // namespace

// One of the two decompressors, whichever the magic bytes chose.
struct DecodedInput::Decoder
{
    z_stream zlib{};
    bool zlibOpen = false;
    bool zlibMemberEnded = false; // the last member ended exactly; more input is a new member
    ZSTD_DStream* zstd = nullptr;
    bool zstdInFrame = false; // a frame started and has not ended: the end of input truncates it

    ~Decoder()
    {
        if (zlibOpen)
            inflateEnd(&zlib);
        if (zstd)
            ZSTD_freeDStream(zstd);
    }
};

DecodedInput::DecodedInput(QIODevice& device, std::string name) : m_device(device), m_name(std::move(name))
{
    const QByteArray magic = m_device.peek(4);
    const auto starts = [&](const char* bytes, qsizetype size) {
        return magic.size() >= size &&
               std::memcmp(magic.constData(), bytes, static_cast<std::size_t>(size)) == 0;
    };
    if (starts("\x1f\x8b", 2)) {
        m_encoding = Encoding::Gzip;
        m_decoder = std::make_unique<Decoder>();
        // 15 + 16: a gzip wrapper, the largest window.
        if (inflateInit2(&m_decoder->zlib, 15 + 16) != Z_OK)
            fail(ErrorCode::Internal, "cannot start a gzip decoder for " + m_name);
        m_decoder->zlibOpen = true;
    } else if (starts("\x28\xb5\x2f\xfd", 4)) {
        m_encoding = Encoding::Zstd;
        m_decoder = std::make_unique<Decoder>();
        m_decoder->zstd = ZSTD_createDStream();
        if (!m_decoder->zstd || ZSTD_isError(ZSTD_initDStream(m_decoder->zstd)))
            fail(ErrorCode::Internal, "cannot start a zstd decoder for " + m_name);
    }
}

DecodedInput::~DecodedInput() = default;

bool DecodedInput::refill()
{
    if (m_inOffset < m_in.size())
        return true;
    m_consumed += m_in.size();
    m_in.resize(kInChunk);
    m_inOffset = 0;
    const qint64 got = m_device.read(m_in.data(), static_cast<qint64>(m_in.size()));
    if (got < 0)
        fail(ErrorCode::BadInput, "cannot read " + m_name + ": " + m_device.errorString().toStdString());
    m_in.resize(static_cast<std::size_t>(got));
    return got > 0;
}

std::size_t DecodedInput::read(char* out, std::size_t capacity)
{
    if (capacity == 0)
        return 0;
    if (m_encoding == Encoding::Plain) {
        const qint64 got = m_device.read(out, static_cast<qint64>(capacity));
        if (got < 0)
            fail(ErrorCode::BadInput, "cannot read " + m_name + ": " + m_device.errorString().toStdString());
        return static_cast<std::size_t>(got);
    }
    const auto where = [&] {
        return " at compressed byte " + std::to_string(m_consumed + m_inOffset);
    };
    std::size_t produced = 0;
    while (produced < capacity) {
        if (!refill()) {
            if (m_encoding == Encoding::Gzip && !m_decoder->zlibMemberEnded)
                fail(ErrorCode::BadInput, m_name + " is a truncated gzip stream" + where());
            if (m_encoding == Encoding::Zstd && m_decoder->zstdInFrame)
                fail(ErrorCode::BadInput, m_name + " is a truncated zstd stream" + where());
            break;
        }
        if (m_encoding == Encoding::Gzip) {
            z_stream& z = m_decoder->zlib;
            if (m_decoder->zlibMemberEnded) {
                // Concatenated members (gzip a >> log.gz; cat a.gz b.gz) read as one stream.
                inflateReset(&z);
                m_decoder->zlibMemberEnded = false;
            }
            z.next_in = reinterpret_cast<Bytef*>(m_in.data() + m_inOffset);
            z.avail_in = static_cast<uInt>(m_in.size() - m_inOffset);
            z.next_out = reinterpret_cast<Bytef*>(out + produced);
            z.avail_out = static_cast<uInt>(capacity - produced);
            const int status = inflate(&z, Z_NO_FLUSH);
            m_inOffset = m_in.size() - z.avail_in;
            produced = capacity - z.avail_out;
            if (status == Z_STREAM_END)
                m_decoder->zlibMemberEnded = true;
            else if (status != Z_OK && status != Z_BUF_ERROR)
                fail(ErrorCode::BadInput, m_name + " is not valid gzip data" + where() + ": " +
                                              (z.msg ? z.msg : "inflate failed"));
        } else {
            ZSTD_inBuffer in{m_in.data(), m_in.size(), m_inOffset};
            ZSTD_outBuffer output{out, capacity, produced};
            const std::size_t hint = ZSTD_decompressStream(m_decoder->zstd, &output, &in);
            if (ZSTD_isError(hint))
                fail(ErrorCode::BadInput,
                     m_name + " is not valid zstd data" + where() + ": " + ZSTD_getErrorName(hint));
            m_inOffset = in.pos;
            produced = output.pos;
            m_decoder->zstdInFrame = hint != 0;
        }
    }
    return produced;
}

} // namespace cellscope
