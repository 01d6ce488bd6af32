#include "core/backlog/action.h"
#include "core/backlog/map_import.h"
#include "core/backlog/python_lexer.h"

#include <gtest/gtest.h>

#include <QSet>

#include <optional>
#include <ostream>

#ifndef CELLSCOPE_FIXTURES_DIR
#error "CELLSCOPE_FIXTURES_DIR must be the absolute path of tests/fixtures"
#endif

using namespace Qt::StringLiterals;
using namespace cellscope::backlog;

static void PrintTo(const QString& s, std::ostream* os)
{
    *os << '"' << s.toStdString() << '"';
}

namespace {

using Reason = ImportError::Reason;

QString fixture(const QString& name)
{
    return QStringLiteral(CELLSCOPE_FIXTURES_DIR) + u"/backlog/"_s + name;
}

struct Expected
{
    QString name;
    Action action;
    int line;
};

void expectEntries(const std::vector<MapEntry>& actual, const std::vector<Expected>& expected)
{
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE(expected[i].name.toStdString());
        EXPECT_EQ(actual[i].urlName, expected[i].name);
        EXPECT_EQ(actionName(actual[i].action), actionName(expected[i].action));
        EXPECT_EQ(actual[i].line, expected[i].line);
    }
}

std::optional<ImportError> errorOf(const QByteArray& content, const QString& fileName)
{
    try {
        importMap(content, fileName);
    } catch (const ImportError& error) {
        return error;
    }
    return std::nullopt;
}

std::optional<ImportError> fileErrorOf(const QString& name)
{
    try {
        importMapFile(fixture(name));
    } catch (const ImportError& error) {
        return error;
    }
    return std::nullopt;
}

// reason, line, column and message of the refusal of `content`.
void expectError(const QByteArray& content, const QString& fileName, Reason reason, int line, int column,
                 const QString& message)
{
    const auto error = errorOf(content, fileName);
    ASSERT_TRUE(error.has_value()) << "accepted: " << content.toStdString();
    EXPECT_EQ(int(error->reason()), int(reason)) << error->toString().toStdString();
    EXPECT_EQ(error->line(), line) << error->toString().toStdString();
    EXPECT_EQ(error->column(), column) << error->toString().toStdString();
    EXPECT_EQ(error->message(), message);
}

void expectPyError(const QByteArray& content, Reason reason, int line, int column, const QString& message)
{
    expectError(content, u"map.py"_s, reason, line, column, message);
}

std::vector<MapEntry> py(const QByteArray& content)
{
    return importMap(content, u"map.py"_s);
}

} // namespace

// ---- Actions ------------------------------------------------------------------------------------

TEST(BacklogAction, TenActionsRoundTripByName)
{
    QSet<QString> names;
    for (Action action : allActions) {
        const QString name = actionName(action);
        names.insert(name);
        EXPECT_TRUE(name.startsWith(u"TO_BE_"));
        ASSERT_TRUE(actionFromName(name).has_value());
        EXPECT_EQ(*actionFromName(name), action);
        EXPECT_FALSE(actionMeaning(action).isEmpty());
        EXPECT_FALSE(actionDefinitionOfDone(action).isEmpty());
    }
    EXPECT_EQ(names.size(), 10);
    EXPECT_EQ(actionName(Action::ToBeInvestigatedEcosystemTeam), u"TO_BE_INVESTIGATED_ECOSYSTEM_TEAM"_s);
    EXPECT_EQ(actionName(Action::ToBeReplacedWithCellScopedVariant),
              u"TO_BE_REPLACED_WITH_CELL_SCOPED_VARIANT"_s);
}

TEST(BacklogAction, NamesAreCaseSensitive)
{
    EXPECT_FALSE(actionFromName(u"to_be_deleted").has_value());
    EXPECT_FALSE(actionFromName(u"TO_BE_DELETED ").has_value());
    EXPECT_FALSE(actionFromName(u"").has_value());
    EXPECT_FALSE(actionFromName(u"URLAction.TO_BE_DELETED").has_value());
}

TEST(BacklogAction, DeprecationChecklistFollowsTheSourceDesign)
{
    const QStringList steps = actionDefinitionOfDone(Action::ToBeDeprecated);
    ASSERT_EQ(steps.size(), 6);
    EXPECT_TRUE(steps[0].contains(u"search the getsentry GitHub org for the URL name and path"));
    EXPECT_TRUE(steps[1].contains(u"X-Sentry-Deprecation-Date"));
    EXPECT_TRUE(steps[1].contains(u"_add_deprecation_headers in sentry/api/helpers/deprecation.py"));
    EXPECT_TRUE(steps[2].contains(u"src/sentry/api/urls.py"));
    EXPECT_TRUE(steps[3].contains(u"view file"));
    EXPECT_TRUE(steps[4].contains(u"URL_NAME_TO_ACTION"));
    EXPECT_TRUE(steps[5].contains(u"src/sentry/apidocs/"));
}

TEST(BacklogAction, ChecklistsEndByDrainingTheMapExceptTheDeferredBrokenOne)
{
    for (Action action : allActions) {
        SCOPED_TRACE(actionName(action).toStdString());
        const bool mentionsMap = actionDefinitionOfDone(action).join(u' ').contains(u"URL_NAME_TO_ACTION");
        EXPECT_EQ(mentionsMap, action != Action::ToBeBroken);
    }
    EXPECT_TRUE(actionDefinitionOfDone(Action::ToBeReplacedWithCellScopedVariant)
                    .front()
                    .contains(u"^api/0/_admin/cells/(?P<cell_id>[^/]+)/"));
    EXPECT_TRUE(
        actionDefinitionOfDone(Action::ToBeInternalOnly).front().contains(u"@internal_cell_silo_endpoint"));
    EXPECT_TRUE(actionDefinitionOfDone(Action::ToBeControlOnly).front().contains(u"@control_silo_endpoint"));
    EXPECT_TRUE(actionDefinitionOfDone(Action::ToBeBroken).join(u' ').contains(u"never add new entries"));
}

// ---- The Python lexer ---------------------------------------------------------------------------

TEST(BacklogPythonLexer, DecodesStringsLikePython)
{
    const auto tokens = python::tokenize(uR"(a = "x\ty\x41\u00e9\101\q" r"\d+\"" b'\u' f"{v}" '''l1
l2''')"_s);
    ASSERT_EQ(tokens.size(), 9u); // a = s s s s s NEWLINE END
    EXPECT_EQ(tokens[2].text, u"x\tyA\u00e9A\\q"_s);
    EXPECT_EQ(tokens[3].text, uR"(\d+\")"_s);
    EXPECT_TRUE(tokens[4].bytes);
    EXPECT_EQ(tokens[4].text, uR"(\u)"_s); // no \u escape in bytes
    EXPECT_TRUE(tokens[5].formatted);
    EXPECT_EQ(tokens[6].text, u"l1\nl2"_s);
    EXPECT_EQ(tokens[7].kind, python::TokenKind::Newline);
    EXPECT_EQ(tokens[8].kind, python::TokenKind::End);
    EXPECT_EQ(tokens[8].line, 2);
}

TEST(BacklogPythonLexer, NoNewlinesInsideBracketsAndAfterContinuations)
{
    const auto tokens = python::tokenize(u"x = [\n  1,\n]\ny = 2 + \\\n 3\n"_s);
    int newlines = 0;
    for (const auto& tok : tokens)
        newlines += tok.kind == python::TokenKind::Newline;
    EXPECT_EQ(newlines, 2);
}

TEST(BacklogPythonLexer, ColumnsCountCodePoints)
{
    // U+1F600 is two UTF-16 units but one column, as editors show it.
    const auto tokens = python::tokenize(u"\"\U0001F600\" x\n"_s);
    ASSERT_GE(tokens.size(), 2u);
    EXPECT_EQ(tokens[1].text, u"x"_s);
    EXPECT_EQ(tokens[1].column, 5);
}

TEST(BacklogPythonLexer, ErrorsAreTokensAndLexingResumes)
{
    const auto tokens = python::tokenize(u"a = 'open\nb = $\nc = 1\n"_s);
    std::vector<python::LexError> errors;
    bool sawC = false;
    for (const auto& tok : tokens) {
        if (tok.kind == python::TokenKind::Error)
            errors.push_back(tok.error);
        sawC |= tok.is(python::TokenKind::Name, u"c");
    }
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0], python::LexError::UnterminatedString);
    EXPECT_EQ(errors[1], python::LexError::UnexpectedCharacter);
    EXPECT_TRUE(sawC);
}

// ---- Python map files ---------------------------------------------------------------------------

TEST(BacklogImportPython, ReadsTheMapOutOfAWholeTestModule)
{
    expectEntries(importMapFile(fixture(u"good_map.py"_s)),
                  {
                      {u"sentry-api-0-organizations"_s, Action::ToBeControlOnly, 33},
                      {u"sentry-api-0-relocations-index"_s, Action::ToBeBroken, 34},
                      {u"sentry-api-0-relocations-public-key"_s, Action::ToBeBroken, 35},
                      {u"sentry-api-0-group-details"_s, Action::ToBeReplacedWithOrgScopedVariant, 37},
                      {u"sentry-api-0-admin-quotas"_s, Action::ToBeReplacedWithCellScopedVariant, 40},
                      {u"sentry-api-0-internal-stats"_s, Action::ToBeInternalOnly, 41},
                      {u"sentry-api-0-accept-organization-invite"_s, Action::ToBeStandardized, 42},
                      {u"sentry-api-0-system-options"_s, Action::ToBeSelfHostedOnly, 43},
                      {u"sentry-api-0-shared-group-details"_s, Action::ToBeDeprecated, 45},
                      {u"sentry-api-0-tempest-ips"_s, Action::ToBeDeleted, 46},
                      {u"sentry-api-0-sentry-app-interaction"_s, Action::ToBeInvestigatedEcosystemTeam, 47},
                  });
}

// Hostile nesting is refused with a clear error (and no deep recursion): parentheses around a value,
// brackets the lexer counts.
TEST(BacklogImportPython, DeepNestingIsRefusedNotRecursed)
{
    expectEntries(py("URL_NAME_TO_ACTION = {'a': ((('TO_BE_DELETED')))}\n"),
                  {{u"a"_s, Action::ToBeDeleted, 1}});
    const QByteArray deep = "URL_NAME_TO_ACTION = {'a': " + QByteArray(1'000'000, '(') + "'TO_BE_DELETED'" +
                            QByteArray(1'000'000, ')') + "}\n";
    const auto error = errorOf(deep, u"map.py"_s);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(int(error->reason()), int(Reason::Syntax));
    EXPECT_TRUE(error->message().contains(u"more than 100 parentheses"_s)) << error->message().toStdString();
}

TEST(BacklogImportPython, UnknownActionFixture)
{
    const auto error = fileErrorOf(u"err_unknown_action.py"_s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->reason(), Reason::UnknownAction);
    EXPECT_EQ(error->toString(),
              fixture(u"err_unknown_action.py"_s) + u":5:43: unknown action 'TO_BE_REMOVED'"_s);
}

TEST(BacklogImportPython, DuplicateKeyFixture)
{
    const auto error = fileErrorOf(u"err_duplicate_key.py"_s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->reason(), Reason::DuplicateKey);
    EXPECT_EQ(error->toString(),
              fixture(u"err_duplicate_key.py"_s) +
                  u":5:7: duplicate URL name 'sentry-api-0-organizations' (first at line 2)"_s);
}

TEST(BacklogImportPython, UnterminatedStringFixture)
{
    const auto error = fileErrorOf(u"err_unterminated_string.py"_s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->reason(), Reason::UnterminatedString);
    EXPECT_EQ(error->toString(),
              fixture(u"err_unterminated_string.py"_s) + u":3:5: unterminated string literal"_s);
}

TEST(BacklogImportPython, MissingColonFixture)
{
    const auto error = fileErrorOf(u"err_missing_colon.py"_s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->reason(), Reason::ExpectedColon);
    EXPECT_EQ(
        error->toString(),
        fixture(u"err_missing_colon.py"_s) +
            u":2:34: expected ':' after the key 'sentry-api-0-organizations', found name 'URLAction'"_s);
}

TEST(BacklogImportPython, MissingCommaFixture)
{
    const auto error = fileErrorOf(u"err_missing_comma.py"_s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->reason(), Reason::ExpectedComma);
    EXPECT_EQ(error->toString(),
              fixture(u"err_missing_comma.py"_s) +
                  u":3:5: expected ',' or '}' after the entry for 'sentry-api-0-organizations', "
                  u"found string \"sentry-api-0-tempest-ips\""_s);
}

TEST(BacklogImportPython, NonStringKeyFixture)
{
    const auto error = fileErrorOf(u"err_non_string_key.py"_s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->reason(), Reason::NonStringKey);
    EXPECT_EQ(error->toString(),
              fixture(u"err_non_string_key.py"_s) +
                  u":5:5: a URL name must be a string literal, found name 'ORGANIZATIONS'"_s);
}

TEST(BacklogImportPython, DictNotFoundFixture)
{
    const auto error = fileErrorOf(u"err_dict_not_found.py"_s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->reason(), Reason::DictNotFound);
    EXPECT_EQ(error->line(), 0);
    EXPECT_EQ(error->toString(),
              fixture(u"err_dict_not_found.py"_s) + u": no assignment 'URL_NAME_TO_ACTION = {...}' found"_s);
}

TEST(BacklogImportPython, UnexpectedEofFixture)
{
    const auto error = fileErrorOf(u"err_unexpected_eof.py"_s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->reason(), Reason::UnexpectedEof);
    EXPECT_EQ(error->toString(),
              fixture(u"err_unexpected_eof.py"_s) +
                  u":3:57: unexpected end of file: the '{' at line 1, column 22 is never closed"_s);
}

TEST(BacklogImportPython, RefusalIsABadInputError)
{
    const auto error = fileErrorOf(u"err_missing_colon.py"_s);
    ASSERT_TRUE(error);
    const cellscope::Error& base = *error;
    EXPECT_EQ(base.code(), cellscope::ErrorCode::BadInput);
    EXPECT_EQ(QString::fromUtf8(base.what()), error->toString());
}

TEST(BacklogImportPython, KeyAndValueSpellings)
{
    expectEntries(py(R"py(URL_NAME_TO_ACTION = {
    "tab\tx\x41\u00e9": URLAction.TO_BE_DELETED,
    r"raw\d": "TO_BE_DELETED",
    """triple""": (("TO_BE_" "DELETED")),
    ("paren" 'thesized'): TO_BE_DELETED,
    "dotted": a.b.c.d.TO_BE_BROKEN,
    "spaced"  # a comment between key and colon
        :  # and after it
        URLAction
        .TO_BE_CONTROL_ONLY  ,
}
)py"),
                  {
                      {u"tab\txA\u00e9"_s, Action::ToBeDeleted, 2},
                      {uR"(raw\d)"_s, Action::ToBeDeleted, 3},
                      {u"triple"_s, Action::ToBeDeleted, 4},
                      {u"parenthesized"_s, Action::ToBeDeleted, 5},
                      {u"dotted"_s, Action::ToBeBroken, 6},
                      {u"spaced"_s, Action::ToBeControlOnly, 7},
                  });
}

TEST(BacklogImportPython, EmptyMapIsTheGoal)
{
    EXPECT_TRUE(py("URL_NAME_TO_ACTION: dict[str, URLAction] = {}\n").empty());
    EXPECT_TRUE(py("URL_NAME_TO_ACTION = {\n    # drained\n}").empty());
}

TEST(BacklogImportPython, AssignmentForms)
{
    // A complex annotation, an indented assignment (inside a class) and CRLF line endings.
    expectEntries(
        py("class T:\r\n    URL_NAME_TO_ACTION: Final[dict[str, \"A\"]] = {\r\n  'a': A.TO_BE_DELETED}\r\n"),
        {{u"a"_s, Action::ToBeDeleted, 3}});
    // Mentions that are not assignments are skipped until the real one.
    expectEntries(py("x = URL_NAME_TO_ACTION\nURL_NAME_TO_ACTION: dict[str, A]\nURL_NAME_TO_ACTION.clear()\n"
                     "URL_NAME_TO_ACTION = {'b': 'TO_BE_BROKEN'}\n"),
                  {{u"b"_s, Action::ToBeBroken, 4}});
    // The first assignment is the map; a lexer error after it does not matter.
    expectEntries(py("URL_NAME_TO_ACTION = {'c': 'TO_BE_BROKEN'}\nbroken = 'oops\n"),
                  {{u"c"_s, Action::ToBeBroken, 1}});
    // Nor does one before it, once the lexer has resumed.
    expectEntries(py("broken = $\nURL_NAME_TO_ACTION = {'d': 'TO_BE_BROKEN'}\n"),
                  {{u"d"_s, Action::ToBeBroken, 2}});
}

TEST(BacklogImportPython, ValueProblems)
{
    expectPyError("URL_NAME_TO_ACTION = dict(a=1)\n", Reason::DictNotFound, 1, 22,
                  u"URL_NAME_TO_ACTION is assigned name 'dict', not a dict literal"_s);
    expectPyError(
        "URL_NAME_TO_ACTION = {'a': 3}\n", Reason::InvalidValue, 1, 28,
        u"expected an action such as URLAction.TO_BE_DELETED or \"TO_BE_DELETED\", found number 3"_s);
    expectPyError("URL_NAME_TO_ACTION = {'a': A.}\n", Reason::InvalidValue, 1, 30,
                  u"expected a name after '.', found '}'"_s);
    expectPyError("URL_NAME_TO_ACTION = {'a': A.to_be_deleted}\n", Reason::UnknownAction, 1, 30,
                  u"unknown action 'to_be_deleted' (did you mean TO_BE_DELETED?)"_s);
    expectPyError("URL_NAME_TO_ACTION = {'a': f'TO_BE_DELETED'}\n", Reason::InvalidValue, 1, 28,
                  u"an action must be a plain string literal, not a formatted string"_s);
    expectPyError("URL_NAME_TO_ACTION = {'a': (A.TO_BE_DELETED}\n", Reason::Syntax, 1, 44,
                  u"expected ')', found '}'"_s);
    expectPyError("URL_NAME_TO_ACTION = {'a': A.TO_BE_DELETED()}\n", Reason::ExpectedComma, 1, 43,
                  u"expected ',' or '}' after the entry for 'a', found '('"_s);
}

TEST(BacklogImportPython, KeyProblems)
{
    expectPyError("URL_NAME_TO_ACTION = {b'a': A.TO_BE_DELETED}\n", Reason::NonStringKey, 1, 23,
                  u"a URL name must be a plain string literal, not a bytes string"_s);
    expectPyError("URL_NAME_TO_ACTION = {f'{x}': A.TO_BE_DELETED}\n", Reason::NonStringKey, 1, 23,
                  u"a URL name must be a plain string literal, not a formatted string"_s);
    expectPyError("URL_NAME_TO_ACTION = {'': A.TO_BE_DELETED}\n", Reason::EmptyUrlName, 1, 23,
                  u"empty URL name"_s);
    expectPyError("URL_NAME_TO_ACTION = {**BASE, 'a': A.TO_BE_DELETED}\n", Reason::NonStringKey, 1, 23,
                  u"a URL name must be a string literal, found '**'"_s);
    expectPyError("URL_NAME_TO_ACTION = {'a': A.TO_BE_DELETED,,}\n", Reason::NonStringKey, 1, 44,
                  u"a URL name must be a string literal, found ','"_s);
    expectPyError("URL_NAME_TO_ACTION = {'a' 'b': A.TO_BE_DELETED, 'ab': A.TO_BE_BROKEN}\n",
                  Reason::DuplicateKey, 1, 49, u"duplicate URL name 'ab' (first at line 1)"_s);
}

TEST(BacklogImportPython, LexicalProblemsInsideTheDict)
{
    expectPyError("URL_NAME_TO_ACTION = {\n  '''never closed: A.TO_BE_DELETED}\n", Reason::UnterminatedString,
                  2, 3, u"unterminated triple-quoted string literal"_s);
    expectPyError("URL_NAME_TO_ACTION = {\n  'bad \\x4': A.TO_BE_DELETED}\n", Reason::Syntax, 2, 8,
                  u"truncated \\x escape"_s);
    expectPyError("URL_NAME_TO_ACTION = {\n  '\\N{BULLET}': A.TO_BE_DELETED}\n", Reason::Syntax, 2, 4,
                  u"\\N{...} escapes are not supported"_s);
    expectPyError("URL_NAME_TO_ACTION = {\n  'a': A.TO_BE_DELETED ? }\n", Reason::Syntax, 2, 24,
                  u"unexpected character '?'"_s);
    // An unterminated string before the map swallows it; that is the error worth reporting.
    expectPyError("doc = '''\nURL_NAME_TO_ACTION = {}\n", Reason::UnterminatedString, 1, 7,
                  u"unterminated triple-quoted string literal"_s);
    expectPyError("URL_NAME_TO_ACTION =\n", Reason::DictNotFound, 1, 21,
                  u"URL_NAME_TO_ACTION is assigned end of line, not a dict literal"_s);
    expectPyError("URL_NAME_TO_ACTION = {'a': A.TO_BE_DELETED", Reason::UnexpectedEof, 1, 43,
                  u"unexpected end of file: the '{' at line 1, column 22 is never closed"_s);
}

TEST(BacklogImportPython, ColumnsCountCodePointsAndTabs)
{
    expectPyError("URL_NAME_TO_ACTION = {\n\t'\U0001F600': A.NOPE}\n", Reason::UnknownAction, 2, 9,
                  u"unknown action 'NOPE'"_s);
}

// ---- JSON ---------------------------------------------------------------------------------------

TEST(BacklogImportJson, ObjectForm)
{
    expectEntries(importMapFile(fixture(u"good_map.json"_s)),
                  {
                      {u"sentry-api-0-organizations"_s, Action::ToBeControlOnly, 2},
                      {u"sentry-api-0-relocations-index"_s, Action::ToBeBroken, 3},
                      {u"sentry-api-0-tempest-ips"_s, Action::ToBeDeleted, 4},
                  });
}

TEST(BacklogImportJson, ListFormIgnoresExtraFields)
{
    expectEntries(importMapFile(fixture(u"good_list.json"_s)),
                  {
                      {u"sentry-api-0-organizations"_s, Action::ToBeControlOnly, 2},
                      {u"sentry-api-0-relocations-index"_s, Action::ToBeBroken, 5},
                      {u"sentry-api-0-tempest-ips"_s, Action::ToBeDeleted, 7},
                  });
}

TEST(BacklogImportJson, EscapesAndEmptyMaps)
{
    expectEntries(importMap(R"({"a\u00e9\ud83d\ude00\/\"": "TO_BE_DELETED"})", u"m.json"_s),
                  {{u"a\u00e9\U0001F600/\""_s, Action::ToBeDeleted, 1}});
    EXPECT_TRUE(importMap(" {} ", u"m.json"_s).empty());
    EXPECT_TRUE(importMap("[]", u"m.json"_s).empty());
}

TEST(BacklogImportJson, Errors)
{
    const QString f = u"m.json"_s;
    expectError("{\n  \"a\": \"TO_BE_DELETED\",\n  \"a\": \"TO_BE_BROKEN\"\n}", f, Reason::DuplicateKey, 3, 3,
                u"duplicate key 'a' (first at line 2)"_s);
    expectError("{\"a\": \"TO_BE_DELETED\",}", f, Reason::Syntax, 1, 23,
                u"trailing comma before '}' is not allowed in JSON"_s);
    expectError("[{\"url_name\": \"a\", \"action\": \"TO_BE_DELETED\"},]", f, Reason::Syntax, 1, 47,
                u"trailing comma before ']' is not allowed in JSON"_s);
    expectError("{\"a\" \"TO_BE_DELETED\"}", f, Reason::ExpectedColon, 1, 6,
                u"expected ':' after the key 'a', found '\"'"_s);
    expectError("{\"a\": \"TO_BE_DELETED\" \"b\": \"TO_BE_DELETED\"}", f, Reason::ExpectedComma, 1, 23,
                u"expected ',' or '}', found '\"'"_s);
    expectError("{\"a\": \"TO_BE_DELETED}", f, Reason::UnterminatedString, 1, 7, u"unterminated string"_s);
    expectError("{\"a\": \"TO_BE_DELETED\",\n", f, Reason::UnexpectedEof, 2, 1,
                u"unexpected end of file: the '{' at line 1, column 1 is never closed"_s);
    expectError("{a: \"TO_BE_DELETED\"}", f, Reason::NonStringKey, 1, 2,
                u"an object key must be a string, found 'a'"_s);
    expectError("{\"a\": 1}", f, Reason::InvalidValue, 1, 7,
                u"the action of 'a' must be a string, found a number"_s);
    expectError("{\"a\": \"TO_BE_GONE\"}", f, Reason::UnknownAction, 1, 7, u"unknown action 'TO_BE_GONE'"_s);
    expectError("{\"\": \"TO_BE_DELETED\"}", f, Reason::EmptyUrlName, 1, 2, u"empty URL name"_s);
    expectError("{\"a\": \"x\\q\"}", f, Reason::Syntax, 1, 9, u"invalid escape '\\q'"_s);
    expectError(
        "\"TO_BE_DELETED\"", f, Reason::Syntax, 1, 1,
        u"expected an object {\"url-name\": \"ACTION\"} or an array of {\"url_name\": ..., \"action\": ...} "
        u"objects, found a string"_s);
    expectError("[\"a\"]", f, Reason::InvalidValue, 1, 2,
                u"expected an object {\"url_name\": ..., \"action\": ...}, found a string"_s);
    expectError("[\n {\"url_name\": \"a\"}\n]", f, Reason::MissingField, 2, 2, u"entry has no \"action\""_s);
    expectError("[{\"url_name\": null, \"action\": \"TO_BE_DELETED\"}]", f, Reason::InvalidValue, 1, 15,
                u"\"url_name\" must be a string, found null"_s);
    expectError("[{\"url_name\": \"a\", \"action\": \"TO_BE_DELETED\"},\n {\"url_name\": \"a\", \"action\": "
                "\"TO_BE_BROKEN\"}]",
                f, Reason::DuplicateKey, 2, 15, u"duplicate URL name 'a' (first at line 1)"_s);
    expectError("{} x", f, Reason::Syntax, 1, 4, u"unexpected 'x' after the JSON value"_s);
    expectError("[01]", f, Reason::Syntax, 1, 2, u"malformed number"_s);
    expectError("[nul]", f, Reason::Syntax, 1, 2, u"expected a JSON value, found 'nul'"_s);
    expectError(QByteArray(300, '['), f, Reason::Syntax, 1, 258, u"JSON nested too deeply"_s);
}

// ---- CSV ----------------------------------------------------------------------------------------

TEST(BacklogImportCsv, QuotedFieldsAndExtraColumns)
{
    expectEntries(importMapFile(fixture(u"good_map.csv"_s)),
                  {
                      {u"sentry-api-0-organizations"_s, Action::ToBeControlOnly, 2},
                      {u"sentry-api-0-relocations-index"_s, Action::ToBeBroken, 3},
                      {u"sentry-api-0-tempest-ips"_s, Action::ToBeDeleted, 5},
                  });
}

TEST(BacklogImportCsv, HeaderOrderSpacingAndBlankLines)
{
    expectEntries(
        importMap(" Action , URL_Name\nTO_BE_DELETED, a \n\n\"TO_BE_BROKEN\",\"b,c\"\n\n", u"m.csv"_s),
        {{u"a"_s, Action::ToBeDeleted, 2}, {u"b,c"_s, Action::ToBeBroken, 4}});
    EXPECT_TRUE(importMap("url_name,action\n", u"m.csv"_s).empty());
}

TEST(BacklogImportCsv, Errors)
{
    const QString f = u"m.csv"_s;
    expectError("name,action\na,TO_BE_DELETED\n", f, Reason::MissingField, 1, 1,
                u"the header must name the columns url_name and action"_s);
    expectError("", f, Reason::MissingField, 0, 0, u"empty file: expected a header url_name,action"_s);
    expectError("url_name,action\na,TO_BE_DELETED,x\n", f, Reason::Syntax, 2, 1,
                u"expected 2 fields as in the header, found 3"_s);
    expectError("url_name,action\na\"b,TO_BE_DELETED\n", f, Reason::Syntax, 2, 2,
                u"a quote may only appear inside a quoted field"_s);
    expectError("url_name,action\n\"a\"b,TO_BE_DELETED\n", f, Reason::Syntax, 2, 4,
                u"expected ',' or the end of the line after a closing quote, found 'b'"_s);
    expectError("url_name,action\na,\"TO_BE_DELETED\n", f, Reason::UnterminatedString, 2, 3,
                u"unterminated quoted field"_s);
    expectError("url_name,action\na,TO_BE_NOPE\n", f, Reason::UnknownAction, 2, 3,
                u"unknown action 'TO_BE_NOPE'"_s);
    expectError("url_name,action\n,TO_BE_DELETED\n", f, Reason::EmptyUrlName, 2, 1, u"empty URL name"_s);
    expectError("url_name,action\na,TO_BE_DELETED\r\nb,TO_BE_DELETED\r\na,TO_BE_BROKEN\r\n", f,
                Reason::DuplicateKey, 4, 1, u"duplicate URL name 'a' (first at line 2)"_s);
}

// ---- Format choice and files --------------------------------------------------------------------

TEST(BacklogImportFormat, ExtensionFirstThenContent)
{
    EXPECT_EQ(detectMapFormat(u"x.PY"_s, "{}"), MapFormat::Python);
    EXPECT_EQ(detectMapFormat(u"x.Json"_s, "a,b"), MapFormat::Json);
    EXPECT_EQ(detectMapFormat(u"x.csv"_s, "{}"), MapFormat::Csv);
    EXPECT_EQ(detectMapFormat(u"map"_s, "\xEF\xBB\xBF  [ ]"), MapFormat::Json);
    EXPECT_EQ(detectMapFormat(u"map.txt"_s, "import x\nURL_NAME_TO_ACTION = {}\n"), MapFormat::Python);
    EXPECT_EQ(detectMapFormat(u"map.txt"_s, "URL_Name,Action\na,TO_BE_DELETED\n"), MapFormat::Csv);
    EXPECT_FALSE(detectMapFormat(u"map.txt"_s, "hello").has_value());
}

TEST(BacklogImportFormat, SniffedContentIsParsed)
{
    expectEntries(importMap("url_name,action\na,TO_BE_DELETED\n", u"-"_s),
                  {{u"a"_s, Action::ToBeDeleted, 2}});
    expectEntries(importMap("\xEF\xBB\xBF{\"a\": \"TO_BE_DELETED\"}", u"-"_s),
                  {{u"a"_s, Action::ToBeDeleted, 1}});
    expectEntries(importMap("{\"a\": \"TO_BE_DELETED\"}", u"x.txt"_s, MapFormat::Json),
                  {{u"a"_s, Action::ToBeDeleted, 1}});
}

TEST(BacklogImportFormat, FileLevelProblems)
{
    expectError("hello", u"map.txt"_s, Reason::UnknownFormat, 0, 0,
                u"cannot tell whether this is a Python, JSON or CSV map; name it .py, .json or .csv"_s);
    expectError("URL_NAME_TO_ACTION = {'\xff': 'TO_BE_DELETED'}", u"m.py"_s, Reason::InvalidEncoding, 0, 0,
                u"the file is not valid UTF-8"_s);
    const auto missing = fileErrorOf(u"does_not_exist.py"_s);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->reason(), Reason::FileUnreadable);
    EXPECT_EQ(missing->line(), 0);
    EXPECT_TRUE(
        missing->toString().startsWith(fixture(u"does_not_exist.py"_s) + u": cannot read the file: "_s));
}
