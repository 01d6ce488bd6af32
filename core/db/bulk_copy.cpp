#include "core/db/bulk_copy.h"

#include "core/db/database.h"
#include "core/util/error.h"

#include <libpq-fe.h>

#include <bit>
#include <cstring>
#include <memory>

namespace cellscope::db {

namespace {

constexpr std::size_t kFlushBytes = 1 << 20;
// PostgreSQL's binary timestamps count microseconds from 2000-01-01 00:00:00 UTC.
constexpr std::int64_t kPostgresEpochUnixSeconds = 946684800;

struct ResultDeleter
{
    void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string errorOf(PGconn* conn)
{
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    return message;
}

Result checked(PGconn* conn, PGresult* raw, const std::string& what)
{
    Result result(raw);
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_COPY_IN)
        fail(ErrorCode::Internal,
             what + ": " + (result ? PQresultErrorMessage(result.get()) : errorOf(conn)));
    return result;
}

template <typename T>
T bigEndian(T value)
{
    if constexpr (std::endian::native == std::endian::big)
        return value;
    else if constexpr (sizeof(T) == 2)
        return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(value)));
    else if constexpr (sizeof(T) == 4)
        return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(value)));
    else
        return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(value)));
}

} // namespace

BulkSession::BulkSession(const std::string& conninfo)
{
    m_conn = PQconnectdb(quietConninfo(conninfo).c_str());
    if (PQstatus(m_conn) != CONNECTION_OK) {
        const std::string message = errorOf(m_conn);
        PQfinish(m_conn);
        m_conn = nullptr;
        fail(ErrorCode::Unreachable,
             "cannot connect to PostgreSQL (" + describeConninfo(conninfo) + "): " + message);
    }
}

BulkSession::~BulkSession()
{
    PQfinish(m_conn);
}

void BulkSession::exec(const std::string& sql)
{
    checked(m_conn, PQexec(m_conn, sql.c_str()), "statement failed");
}

std::vector<std::vector<std::string>> BulkSession::query(const std::string& sql,
                                                         const std::vector<std::string>& params)
{
    std::vector<const char*> values;
    for (const auto& param : params)
        values.push_back(param.c_str());
    const Result result = checked(m_conn,
                                  PQexecParams(m_conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                               values.data(), nullptr, nullptr, 0),
                                  "query failed");
    std::vector<std::vector<std::string>> rows(static_cast<std::size_t>(PQntuples(result.get())));
    for (int r = 0; r < PQntuples(result.get()); ++r)
        for (int c = 0; c < PQnfields(result.get()); ++c)
            rows[static_cast<std::size_t>(r)].emplace_back(PQgetvalue(result.get(), r, c));
    return rows;
}

std::string BulkSession::quoteIdentifier(std::string_view name)
{
    char* quoted = PQescapeIdentifier(m_conn, name.data(), name.size());
    if (!quoted)
        fail(ErrorCode::Internal, "cannot quote identifier: " + errorOf(m_conn));
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
}

BinaryCopy::BinaryCopy(BulkSession& session, const std::string& table,
                       std::initializer_list<std::string_view> columns)
    : m_session(session)
{
    std::string sql = "COPY " + table + " (";
    for (auto column : columns)
        sql += (sql.back() == '(' ? "" : ", ") + session.quoteIdentifier(column);
    sql += ") FROM STDIN (FORMAT binary)";
    checked(session.raw(), PQexec(session.raw(), sql.c_str()), "COPY into " + table);
    m_open = true;
    m_buffer.reserve(kFlushBytes + 4096);
    static constexpr char kSignature[] = "PGCOPY\n\377\r\n";
    m_buffer.append(kSignature, 11);
    const std::int32_t zero = 0;
    put(&zero, 4); // flags
    put(&zero, 4); // header extension length
}

BinaryCopy::~BinaryCopy()
{
    if (m_open) // abandoned after an error: end the COPY so the session can report and roll back
        PQputCopyEnd(m_session.raw(), "abandoned by the client");
}

void BinaryCopy::put(const void* data, std::size_t size)
{
    m_buffer.append(static_cast<const char*>(data), size);
}

void BinaryCopy::flush()
{
    if (m_buffer.empty())
        return;
    if (PQputCopyData(m_session.raw(), m_buffer.data(), static_cast<int>(m_buffer.size())) != 1)
        fail(ErrorCode::Internal, "sending COPY data failed: " + errorOf(m_session.raw()));
    m_buffer.clear();
}

BinaryCopy& BinaryCopy::row(std::int16_t fields)
{
    if (m_buffer.size() >= kFlushBytes)
        flush();
    const auto count = bigEndian(fields);
    put(&count, 2);
    ++m_rows;
    return *this;
}

BinaryCopy& BinaryCopy::int8(std::int64_t value)
{
    const auto length = bigEndian<std::int32_t>(8);
    const auto data = bigEndian(value);
    put(&length, 4);
    put(&data, 8);
    return *this;
}

BinaryCopy& BinaryCopy::int4(std::int32_t value)
{
    const auto length = bigEndian<std::int32_t>(4);
    const auto data = bigEndian(value);
    put(&length, 4);
    put(&data, 4);
    return *this;
}

BinaryCopy& BinaryCopy::text(std::string_view value)
{
    const auto length = bigEndian(static_cast<std::int32_t>(value.size()));
    put(&length, 4);
    put(value.data(), value.size());
    return *this;
}

BinaryCopy& BinaryCopy::boolean(bool value)
{
    const auto length = bigEndian<std::int32_t>(1);
    const char data = value ? 1 : 0;
    put(&length, 4);
    put(&data, 1);
    return *this;
}

BinaryCopy& BinaryCopy::timestamptz(std::int64_t unixSeconds)
{
    return int8((unixSeconds - kPostgresEpochUnixSeconds) * 1'000'000);
}

BinaryCopy& BinaryCopy::null()
{
    const auto length = bigEndian<std::int32_t>(-1);
    put(&length, 4);
    return *this;
}

std::size_t BinaryCopy::finish()
{
    const auto trailer = bigEndian<std::int16_t>(-1);
    put(&trailer, 2);
    flush();
    m_open = false;
    if (PQputCopyEnd(m_session.raw(), nullptr) != 1)
        fail(ErrorCode::Internal, "ending COPY failed: " + errorOf(m_session.raw()));
    // Drain every result of the COPY; the first failure names the row the server refused.
    while (PGresult* raw = PQgetResult(m_session.raw()))
        checked(m_session.raw(), raw, "COPY was refused");
    return m_rows;
}

} // namespace cellscope::db
