#pragma once

#include <cstddef>
#include <memory>
#include <string>

class QIODevice;

namespace cellscope {

// The bytes of an input that may be compressed, told by its first bytes: gzip (1f 8b, read with
// zlib, concatenated members included), zstd (28 b5 2f fd, read with libzstd, concatenated frames
// included), or plain. Streaming: memory stays at a few buffers whatever the size, so a day of
// access logs can be read from a pipe. Corrupt or truncated compressed data throws Error(BadInput)
// naming the input and where it broke.
class DecodedInput
{
public:
    enum class Encoding
    {
        Plain,
        Gzip,
        Zstd
    };

    // `name` is how errors call the input ("access.log.gz", "standard input").
    DecodedInput(QIODevice& device, std::string name);
    ~DecodedInput();
    DecodedInput(const DecodedInput&) = delete;
    DecodedInput& operator=(const DecodedInput&) = delete;

    Encoding encoding() const noexcept { return m_encoding; }
    // Up to `capacity` decoded bytes into `out`; 0 only at the end of the input.
    std::size_t read(char* out, std::size_t capacity);

private:
    struct Decoder;
    bool refill();

    QIODevice& m_device;
    std::string m_name;
    Encoding m_encoding = Encoding::Plain;
    std::unique_ptr<Decoder> m_decoder;
    std::string m_in;                  // compressed bytes read and not yet consumed
    std::size_t m_inOffset = 0;        // how far the decoder has consumed m_in
    unsigned long long m_consumed = 0; // compressed bytes consumed before m_in, for errors
};

} // namespace cellscope
