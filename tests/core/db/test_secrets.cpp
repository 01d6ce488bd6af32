// Passwords in connection strings and URLs: what is shown, stored, logged or handed to another
// process carries none, and a password handed on in a password file reaches libpq intact.
#include "core/db/database.h"
#include "core/net/locator_client.h"
#include "core/sources/world_source.h"
#include "core/util/error.h"
#include "core/util/text.h"
#include "tests/support/net_test_support.h"

#include <QFile>
#include <QTemporaryDir>

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

using namespace cellscope;

namespace {

constexpr const char* kSecret = "s3cret";

// Every keyword=value libpq reads from `conninfo`, as "keyword=value" lines in libpq's keyword order.
std::string parsedOptions(const std::string& conninfo)
{
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    if (!options) {
        const std::string message = error ? error : "?";
        PQfreemem(error);
        return "unparsable: " + message;
    }
    std::string out;
    for (PQconninfoOption* o = options; o->keyword; ++o)
        if (o->val)
            out += std::string(o->keyword) + "=" + o->val + "\n";
    PQconninfoFree(options);
    return out;
}

std::string messageOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Plays a PostgreSQL server on 127.0.0.1 for one connection: it asks for a cleartext password and
// keeps what the client sends, then refuses. Enough to see which password libpq found.
class PasswordCatcher
{
public:
    PasswordCatcher()
    {
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(m_listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(m_listener, 1) != 0 ||
            ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
            ADD_FAILURE() << "cannot listen on 127.0.0.1";
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~PasswordCatcher()
    {
        wait();
        ::close(m_listener);
    }
    int port() const { return m_port; }
    void wait()
    {
        if (m_thread.joinable())
            m_thread.join();
    }
    // What the client sent, once wait() returned.
    const std::string& password() const { return m_password; }

private:
    void serve()
    {
        pollfd waiting{m_listener, POLLIN, 0};
        if (::poll(&waiting, 1, 10'000) != 1)
            return;
        const int client = ::accept(m_listener, nullptr, nullptr);
        if (client < 0)
            return;
        const timeval timeout{10, 0};
        ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        m_password = exchange(client);
        const char refusal[] = "E\0\0\0\x19SFATAL\0C28P01\0Mtest\0\0";
        (void)!::write(client, refusal, sizeof refusal - 1);
        ::close(client);
    }

    // The startup (an SSL or GSS request before it is declined), the request for a password, and
    // the password the client answers with ("" when it sends none).
    static std::string exchange(int client)
    {
        auto readExactly = [client](char* into, std::size_t size) {
            for (std::size_t done = 0; done < size;) {
                const ssize_t n = ::read(client, into + done, size - done);
                if (n <= 0)
                    return false;
                done += static_cast<std::size_t>(n);
            }
            return true;
        };
        auto int32 = [](const char* bytes) {
            std::uint32_t value;
            std::memcpy(&value, bytes, 4);
            return ntohl(value);
        };
        std::array<char, 5> header{};
        std::string body;
        for (;;) {
            if (!readExactly(header.data(), 4))
                return {};
            body.resize(int32(header.data()) - 4);
            if (!readExactly(body.data(), body.size()))
                return {};
            if (int32(body.data()) != 80877103 && int32(body.data()) != 80877104)
                break;
            (void)!::write(client, "N", 1);
        }
        const char askForPassword[] = {'R', 0, 0, 0, 8, 0, 0, 0, 3}; // AuthenticationCleartextPassword
        (void)!::write(client, askForPassword, sizeof askForPassword);
        if (!readExactly(header.data(), 5) || header[0] != 'p')
            return {};
        body.resize(int32(header.data() + 1) - 4);
        return readExactly(body.data(), body.size()) ? std::string(body.c_str()) : std::string();
    }

    int m_listener = -1;
    int m_port = 0;
    std::string m_password;
    std::thread m_thread;
};

// The password libpq sends for the connection string made for a PasswordCatcher's port.
std::string passwordLibpqSends(const std::function<std::string(int port)>& conninfoFor)
{
    std::string password;
    {
        PasswordCatcher server;
        PQfinish(PQconnectdb(conninfoFor(server.port()).c_str()));
        server.wait();
        password = server.password();
    }
    return password;
}

} // namespace

TEST(ConninfoPassword, IsFoundInEveryFormLibpqReads)
{
    EXPECT_EQ(db::passwordOf("host=db.internal user=alice password=s3cret dbname=control"), kSecret);
    EXPECT_EQ(db::passwordOf("host=db.internal password='it\\'s a secret'"), "it's a secret");
    EXPECT_EQ(db::passwordOf("postgresql://alice:s3cret@db.internal:5433/control"), kSecret);
    EXPECT_EQ(db::passwordOf("postgresql://alice:s%3Acret@db.internal/control"), "s:cret");
    EXPECT_EQ(db::passwordOf("postgresql://db.internal/control?user=alice&password=s3cret"), kSecret);
    EXPECT_EQ(db::passwordOf("host=db.internal user=alice dbname=control"), "");
    EXPECT_EQ(db::passwordOf("service=sentry-us1"), "");
}

TEST(ConninfoPassword, IsLeftOutAndEverythingElseKept)
{
    for (const std::string conninfo : {
             "host=db.internal port=5433 user=alice password=s3cret dbname=control sslmode=require",
             "postgresql://alice:s3cret@db.internal:5433/control?sslmode=require",
             "postgresql://alice@db.internal:5433/control?password=s3cret&sslmode=require",
         }) {
        const std::string clean = db::withoutPassword(conninfo);
        EXPECT_EQ(clean.find(kSecret), std::string::npos) << clean;
        EXPECT_EQ(parsedOptions(clean),
                  "user=alice\ndbname=control\nhost=db.internal\nport=5433\nsslmode=require\n")
            << conninfo;
    }
    // Without a password the string stays as the person wrote it.
    for (const std::string conninfo : {"postgresql://alice@db.internal/control", "service=sentry-us1", ""})
        EXPECT_EQ(db::withoutPassword(conninfo), conninfo);
    // A value with quotes and spaces survives the rebuild.
    EXPECT_EQ(parsedOptions(db::withoutPassword("host='/tmp/my dir' password=x dbname='it\\'s'")),
              "dbname=it's\nhost=/tmp/my dir\n");
}

TEST(ConninfoPassword, DescriptionsCarryNone)
{
    for (const std::string conninfo : {"host=db.internal user=alice password=s3cret dbname=control",
                                       "postgresql://alice:s3cret@db.internal/control"})
        EXPECT_EQ(db::describeConninfo(conninfo), "host=db.internal dbname=control user=alice");
}

// libpq's own parse errors quote the part of the string they stumbled on, which may be a password.
TEST(ConninfoPassword, MalformedStringsAreRefusedWithoutQuotingIt)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"host=x password=s3cret oops",
         "malformed connection string: missing \"=\" after \"...\" in connection "
         "info string"},
        {"host=x password=pass s3cret=word",
         "malformed connection string: invalid connection option \"...\""},
        {"postgresql://alice:s3cret@[::1/control",
         "malformed connection string: end of string reached when looking for matching \"]\" in IPv6 host "
         "address in URI: \"...\""},
        {"postgresql://alice:%zzs3cret@db/control",
         "malformed connection string: invalid percent-encoded token: "
         "\"...\""},
        {"postgresql://alice:s3cret@db/control?oops",
         "malformed connection string: missing key/value separator "
         "\"=\" in URI query parameter: \"...\""},
        {"host='x password=s3cret",
         "malformed connection string: unterminated quoted string in connection info "
         "string"},
    };
    for (const auto& [conninfo, expected] : cases) {
        for (const auto& refuse : std::vector<std::function<void()>>{[&] { db::withoutPassword(conninfo); },
                                                                     [&] { db::describeConninfo(conninfo); },
                                                                     [&] { db::connect(conninfo); },
                                                                     [&] {
                                                                         db::withDatabase(conninfo, "other");
                                                                     }})
            EXPECT_EQ(messageOf(refuse), expected) << conninfo;
    }
}

TEST(ConninfoPassword, ComesFromAPassfileInstead)
{
    const std::string handed = db::withPassfile(
        "postgresql://alice:s3cret@db.internal/control?passfile=/home/alice/.pgpass", "/run/user/1/x.pgpass");
    EXPECT_EQ(handed.find(kSecret), std::string::npos) << handed;
    EXPECT_EQ(parsedOptions(handed),
              "user=alice\npassfile=/run/user/1/x.pgpass\ndbname=control\nhost=db.internal\n");
    // A cell database on the control server keeps the passfile (DatabaseConfig::cellConninfo).
    EXPECT_NE(
        parsedOptions(db::withDatabase(handed, "cellscope_cell_us1")).find("passfile=/run/user/1/x.pgpass"),
        std::string::npos);
}

TEST(ConninfoPassword, PassfileIsPrivateAndReadByLibpq)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("handed.pgpass")).toStdString();
    std::ofstream(path) << "stale, readable by all\n";
    ::chmod(path.c_str(), 0644);
    // ':' and '\' are .pgpass's separator and escape: the password must reach the server as it was.
    const std::string password = "p:ss\\word s3cret";
    db::writePassfile(path, password);
    struct stat info
    {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600);
    EXPECT_EQ(readFile(path), "*:*:*:*:p\\:ss\\\\word s3cret\n");

    // As the background cellctl connects: to control, and to a cell database on the same server.
    for (const std::string database : {"control", "cellscope_cell_us1"}) {
        const std::string sent = passwordLibpqSends([&](int port) {
            const std::string original = "host=127.0.0.1 port=" + std::to_string(port) +
                                         " user=alice dbname=control sslmode=disable gssencmode=disable "
                                         "password='p:ss\\\\word s3cret'";
            EXPECT_EQ(db::passwordOf(original), password);
            return db::withDatabase(db::withPassfile(original, path), database);
        });
        EXPECT_EQ(sent, password) << database;
    }
}

TEST(ConninfoPassword, PassfileRefusesWhatItCannotHold)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("x.pgpass")).toStdString();
    EXPECT_EQ(messageOf([&] { db::writePassfile(path, "two\nlines"); }),
              "a password with a line break cannot be handed on in a password file; use PGPASSWORD instead");
    EXPECT_FALSE(QFile::exists(QString::fromStdString(path)));
}

TEST(UrlPassword, IsLeftOut)
{
    EXPECT_EQ(withoutUrlPassword("http://alice:s3cret@control.internal:8000/base"),
              "http://alice@control.internal:8000/base");
    EXPECT_EQ(withoutUrlPassword("https://control.internal/?email=a@b"),
              "https://control.internal/?email=a@b");
    EXPECT_EQ(withoutUrlPassword("http://alice@control.internal"), "http://alice@control.internal");
    // Not a well-formed URL: everything that could be user information goes.
    EXPECT_EQ(withoutUrlPassword("alice:s3cret@control.internal"), "...@control.internal");
    EXPECT_EQ(withoutUrlPassword("http://alice:s3cret@[::1"), "http://...@[::1");
    EXPECT_EQ(withoutUrlPassword("ftp://alice:s3c ret@host/x"), "ftp://...@host/x");
    EXPECT_EQ(withoutUrlPassword("not a url"), "not a url");
}

TEST(SourceDescription, CarriesNoPassword)
{
    ::setenv("CELLSCOPE_CONFIG", "/nonexistent/cellscope.ini", 1);
    ::unsetenv("CELLSCOPE_DB");
    sources::SourceOptions database;
    database.db = "postgresql://alice:s3cret@db.internal/control";
    EXPECT_EQ(sources::WorldSource::open(database)->description(),
              "database host=db.internal dbname=control user=alice");

    sources::SourceOptions control;
    control.controlUrl = "http://alice:s3cret@control.internal:8000/";
    const auto source = sources::WorldSource::open(control);
    EXPECT_EQ(source->description(), "control API http://alice@control.internal:8000/");
    EXPECT_EQ(messageOf([&] { source->databases(); }),
              "this needs a database, but the world comes from the control API at "
              "http://alice@control.internal:8000/");

    control.controlUrl = "ftp://alice:s3cret@control.internal/";
    EXPECT_EQ(messageOf([&] { sources::WorldSource::open(control); }),
              "--control-url expects an http(s) URL such as http://control.internal:8000, got "
              "'ftp://alice@control.internal/'");
    control.controlUrl = "alice:s3cret@control.internal";
    EXPECT_EQ(messageOf([&] { sources::WorldSource::open(control); }),
              "--control-url expects an http(s) URL such as http://control.internal:8000, got "
              "'...@control.internal'");
}

TEST(LocatorUrl, MessagesCarryNoPassword)
{
    test::ensureApp();
    const SnapshotPtr world = test::orgOneInDe1();
    const QUrl locator(QStringLiteral("http://alice:s3cret@127.0.0.1:1/"));

    const auto warning = net::compareWithLocator(*world, "org-1", {}, locator, {200, "us1", {}});
    ASSERT_TRUE(warning);
    EXPECT_NE(warning->message.find("the locator at http://alice@127.0.0.1:1/ answers cell us1"),
              std::string::npos)
        << warning->message;
    EXPECT_EQ(warning->message.find(kSecret), std::string::npos) << warning->message;

    const std::string unreachable =
        messageOf([&] { net::verifyWithLocator(*world, locator, "org-1", {}, std::chrono::seconds(2)); });
    EXPECT_EQ(unreachable.rfind("the locator at http://alice@127.0.0.1:1/ did not answer: ", 0), 0u)
        << unreachable;
    EXPECT_EQ(unreachable.find(kSecret), std::string::npos) << unreachable;
}
