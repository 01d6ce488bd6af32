#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;

namespace cellscope::db {

// A plain libpq session for bulk loading. Seeding writes tens of millions of rows; the binary COPY
// protocol spares the server all text→number/timestamp parsing and the client all per-field string
// conversions, which together were most of the seeding time with text COPY through libpqxx.
class BulkSession
{
public:
    explicit BulkSession(const std::string& conninfo);
    ~BulkSession();
    BulkSession(const BulkSession&) = delete;
    BulkSession& operator=(const BulkSession&) = delete;

    void exec(const std::string& sql);
    // Rows of text values ("" for NULL), for small catalog queries; parameters are passed as text.
    std::vector<std::vector<std::string>> query(const std::string& sql,
                                                const std::vector<std::string>& params = {});
    std::string quoteIdentifier(std::string_view name);
    pg_conn* raw() noexcept { return m_conn; }

private:
    pg_conn* m_conn = nullptr;
};

// Writes one table with COPY … FROM STDIN (FORMAT binary). Call row(n) and then exactly n values.
class BinaryCopy
{
public:
    BinaryCopy(BulkSession& session, const std::string& table,
               std::initializer_list<std::string_view> columns);
    ~BinaryCopy();
    BinaryCopy(const BinaryCopy&) = delete;
    BinaryCopy& operator=(const BinaryCopy&) = delete;

    BinaryCopy& row(std::int16_t fields);
    BinaryCopy& int8(std::int64_t value);
    BinaryCopy& int4(std::int32_t value);
    BinaryCopy& text(std::string_view value);
    BinaryCopy& boolean(bool value);
    BinaryCopy& timestamptz(std::int64_t unixSeconds);
    BinaryCopy& null();

    // Sends the trailer and checks the server accepted every row; returns the rows written.
    std::size_t finish();

private:
    void put(const void* data, std::size_t size);
    void flush();

    BulkSession& m_session;
    std::string m_buffer;
    std::size_t m_rows = 0;
    bool m_open = false;
};

} // namespace cellscope::db
