"""A small parser for the Lucene syntax CKAN and its users put in ``q`` and ``fq``.

Tokenizer plus recursive descent, producing a tree of the nodes below; the
``query`` module turns the tree into SQL with bound parameters. Precedence is
the usual one (OR < AND < NOT/+/-), adjacent clauses are joined with AND,
which is what CKAN asks of Solr with ``q.op=AND``. Whatever the grammar does
not cover raises ``SearchQueryError`` so that CKAN answers 400, never 500.

Grammar::

    query   := or EOF
    or      := and (("OR" | "||") and)*
    and     := unary (("AND" | "&&")? unary)*
    unary   := ("+" | "-" | "!" | "NOT") unary | primary ("^" number)? ("~" number?)?
    primary := "(" or ")" | FIELD ":" value | value
    value   := "(" or ")"          (inside, bare values take the field)
             | RANGE | PHRASE | TERM
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Union

import ckan.plugins.toolkit as tk
from ckan.lib.search.common import SearchQueryError


def _(message: str) -> str:
    """``tk._`` at raise time, never at import; the English msgid where no
    request chooses a language (CLI, jobs: CKAN's locale selector reads the
    request there and raises ``RuntimeError``), like ``sop.current_lang``. A
    bad query must stay a ``SearchQueryError`` (400), whatever runs it."""
    try:
        return tk._(message)
    except RuntimeError:
        return message


# Characters that end a bare term (unless escaped with a backslash).
_SPECIAL = set('()[]{}:"^~')
_WS = re.compile(r"\s+")
#: What a person typed for a token kind, in messages.
_SYMBOL = {"RPAREN": "')'"}


class OperatorError(SearchQueryError):
    """Two of ``+ - ! NOT`` before one clause: an error even where bad
    syntax is otherwise read as words (Solr refuses ``--word`` there too)."""


@dataclass(frozen=True)
class MatchAll:
    """``*:*``."""


@dataclass(frozen=True)
class Term:
    """A bare word; ``prefix`` when it ended with ``*``."""

    field: Optional[str]
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """A quoted string: a phrase on text fields, an exact value on others."""

    field: Optional[str]
    text: str


@dataclass(frozen=True)
class Range:
    """``[lo TO hi]`` (inclusive) or ``{lo TO hi}`` (exclusive); None is ``*``."""

    field: Optional[str]
    low: Optional[str]
    high: Optional[str]
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Exists:
    """``field:*``: the field has a value."""

    field: str


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Union[MatchAll, Term, Phrase, Range, Exists, And, Or, Not]


@dataclass
class Token:
    kind: str  # LPAREN RPAREN COLON PLUS MINUS NOT AND OR CARET TILDE PHRASE TERM RANGE
    value: str = ""
    pos: int = 0
    extra: tuple = field(default_factory=tuple)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; ranges come out whole (their ends may hold ':')."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    if "{!" in text:
        raise SearchQueryError(_("Local parameters are not supported"))
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i
        if c == "(":
            tokens.append(Token("LPAREN", c, start))
            i += 1
        elif c == ")":
            tokens.append(Token("RPAREN", c, start))
            i += 1
        elif c == ":":
            tokens.append(Token("COLON", c, start))
            i += 1
        elif c == "^":
            tokens.append(Token("CARET", c, start))
            i += 1
        elif c == "~":
            tokens.append(Token("TILDE", c, start))
            i += 1
        elif c in "+-!":
            kind = {"+": "PLUS", "-": "MINUS", "!": "NOT"}[c]
            tokens.append(Token(kind, c, start))
            i += 1
        elif text.startswith("&&", i):
            tokens.append(Token("AND", "&&", start))
            i += 2
        elif text.startswith("||", i):
            tokens.append(Token("OR", "||", start))
            i += 2
        elif c == '"':
            value, i = _read_quoted(text, i)
            tokens.append(Token("PHRASE", value, start))
        elif c in "[{":
            token, i = _read_range(text, i)
            tokens.append(token)
        elif c in "]}":
            raise SearchQueryError(_("Unexpected {found} at position {position}")
                                   .format(found=repr(c), position=i))
        else:
            value, i = _read_term(text, i)
            if value in ("AND", "OR", "NOT"):
                tokens.append(Token(value, value, start))
            else:
                tokens.append(Token("TERM", value, start))
    return tokens


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    i += 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise SearchQueryError(_("A quoted phrase is not closed (\")"))


def _read_term(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text):
                raise SearchQueryError(
                    _("The query ends with an escape character (\\)"))
            out.append("\\" + text[i + 1] if text[i + 1] in "*?" else text[i + 1])
            i += 2
            continue
        if c.isspace() or c in _SPECIAL:
            break
        if c in "&|" and text.startswith(c * 2, i):
            break
        out.append(c)
        i += 1
    return "".join(out), i


def _read_range(text: str, i: int) -> tuple[Token, int]:
    include_low = text[i] == "["
    j = i + 1
    while j < len(text) and text[j] not in "]}":
        j += 1
    if j >= len(text):
        raise SearchQueryError(_("A range is not closed (] or })"))
    include_high = text[j] == "]"
    parts = _WS.split(text[i + 1 : j].strip())
    if len(parts) != 3 or parts[1] != "TO":
        raise SearchQueryError(_(
            "A range must read [low TO high], e.g. [2024-01-01T00:00:00Z TO *]"
        ))
    low, high = (_range_value(p) for p in (parts[0], parts[2]))
    return Token("RANGE", "", i, (low, high, include_low, include_high)), j + 1


def _range_value(raw: str) -> Optional[str]:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    raw = raw.replace("\\", "")
    return None if raw == "*" else raw


class Parser:
    """Recursive descent over the tokens of one query string."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def parse(self) -> Optional[Node]:
        if not self.tokens:
            return None
        node = self._or(None)
        if self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            raise SearchQueryError(_("Unexpected {found} at position {position}")
                                   .format(found=repr(tok.value or tok.kind),
                                           position=tok.pos))
        return node

    # helpers
    def _peek(self) -> Optional[Token]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, kind: str) -> Token:
        tok = self._peek()
        if tok is None or tok.kind != kind:
            expected = _SYMBOL.get(kind, kind)
            if tok is None:
                raise SearchQueryError(_("Expected {expected} before the end of the "
                                         "query").format(expected=expected))
            raise SearchQueryError(_("Expected {expected}, found {found}").format(
                expected=expected, found=repr(tok.value or tok.kind)))
        self.pos += 1
        return tok

    # grammar
    def _or(self, fld: Optional[str]) -> Node:
        children = [self._and(fld)]
        while (tok := self._peek()) is not None and tok.kind == "OR":
            self.pos += 1
            children.append(self._and(fld))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def _and(self, fld: Optional[str]) -> Node:
        children = [self._unary(fld)]
        while (tok := self._peek()) is not None and tok.kind not in ("OR", "RPAREN"):
            if tok.kind == "AND":
                self.pos += 1
            children.append(self._unary(fld))
        return children[0] if len(children) == 1 else And(tuple(children))

    def _unary(self, fld: Optional[str]) -> Node:
        tok = self._peek()
        if tok is None:
            raise SearchQueryError(_("Query ends where a term was expected"))
        if tok.kind in ("PLUS", "MINUS", "NOT"):
            self.pos += 1
            nxt = self._peek()
            after = self.tokens[self.pos + 1 :][:1]
            # "--word": two operators before a term (a trailing "--" is left
            # to the usual error, read as words where that applies)
            if (
                nxt is not None
                and nxt.kind in ("PLUS", "MINUS", "NOT")
                and after
                and after[0].kind not in ("PLUS", "MINUS", "NOT")
            ):
                raise OperatorError(
                    _("Two operators in a row before {text}").format(
                        text=repr(nxt.value)))
            inner = self._unary(fld)
            return inner if tok.kind == "PLUS" else Not(inner)
        node = self._primary(fld)
        self._modifiers()
        return node

    def _modifiers(self) -> None:
        """Boosts (``^2``) and fuzziness/slop (``~1``) are read and ignored."""
        while (tok := self._peek()) is not None and tok.kind in ("CARET", "TILDE"):
            self.pos += 1
            nxt = self._peek()
            if nxt is not None and nxt.kind == "TERM" and _is_number(nxt.value):
                self.pos += 1
            elif tok.kind == "CARET":
                raise SearchQueryError(_("A boost (^) needs a number"))

    def _primary(self, fld: Optional[str]) -> Node:
        tok = self._peek()
        assert tok is not None
        if tok.kind == "LPAREN":
            self.pos += 1
            node = self._or(fld)
            self._take("RPAREN")
            return node
        nxt = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
        if tok.kind == "TERM" and nxt is not None and nxt.kind == "COLON":
            if fld is not None:
                raise SearchQueryError(
                    _("A field cannot be named inside a field group"))
            name = tok.value.replace("\\", "")
            if re.fullmatch(r"_(query|val)_", name):
                raise SearchQueryError(_("Magic fields are not supported"))
            self.pos += 2
            return self._value(name if name != "*" else "*")
        return self._value(fld)

    def _value(self, fld: Optional[str]) -> Node:
        tok = self._peek()
        if tok is None:
            raise SearchQueryError(_("Query ends where a value was expected"))
        if tok.kind == "LPAREN":
            if fld == "*":
                raise SearchQueryError(_("'*:' needs '*'"))
            self.pos += 1
            node = self._or(fld)
            self._take("RPAREN")
            return node
        if tok.kind == "RANGE":
            self.pos += 1
            low, high, inc_low, inc_high = tok.extra
            return Range(_field(fld), low, high, inc_low, inc_high)
        if tok.kind == "PHRASE":
            self.pos += 1
            return Phrase(_field(fld), tok.value)
        if tok.kind == "TERM":
            self.pos += 1
            return _term(fld, tok.value)
        raise SearchQueryError(_("Unexpected {found} at position {position}")
                               .format(found=repr(tok.value or tok.kind),
                                       position=tok.pos))


def _field(fld: Optional[str]) -> Optional[str]:
    if fld == "*":
        raise SearchQueryError(_("'*:' is only allowed as '*:*'"))
    return fld


def _term(fld: Optional[str], raw: str) -> Node:
    """Turn a bare word into a term, a prefix, ``*:*`` or ``field:*``."""
    if raw == "*":
        if fld in (None, "*"):
            return MatchAll()
        return Exists(fld)
    if fld == "*":
        raise SearchQueryError(_("'*:' is only allowed as '*:*'"))
    prefix = raw.endswith("*") and not raw.endswith("\\*")
    body = raw[:-1] if prefix else raw
    unescaped = body.replace("\\*", "").replace("\\?", "")
    if "*" in unescaped or "?" in unescaped:
        raise SearchQueryError(_(
            "Wildcards are only supported at the end of a term (e.g. pendid*)"
        ))
    body = body.replace("\\*", "*").replace("\\?", "?")
    if prefix and not body:
        raise SearchQueryError(_("A wildcard needs at least one character before it"))
    return Term(fld, body, prefix)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def parse(text: Optional[str]) -> Optional[Node]:
    """Parse one ``q`` or ``fq`` string; None when it holds no clause."""
    if text is None or not text.strip():
        return None
    return Parser(text).parse()


def parse_plain(text: str) -> Optional[Node]:
    """Read a failed dismax ``q`` as plain words, as Solr's dismax would."""
    words = [w for w in re.split(r"[\s()\[\]{}:\"^~!+\-&|*?\\]+", text) if w]
    if not words:
        return None
    terms = tuple(Term(None, w) for w in words)
    return terms[0] if len(terms) == 1 else And(terms)
