"""Technical indicators (IOCs) in an article's text: CVE ids, IP addresses, domains, URLs,
e-mail addresses, file hashes, MITRE ATT&CK technique ids and cryptocurrency addresses.

It runs on every article at reindex, so it is offline and linear: a handful of regexes with no
nested ambiguous repetition (possessive quantifiers where a run could be long), each candidate
validated in Python. Precision comes before recall, since a false indicator pollutes a facet:

* defanged forms (``evil[.]com``, ``1.2.3[.]4``, ``hxxp[://]``, ``name[at]evil.com``) are
  found and refanged; their span is the text as written;
* an IPv4 address has four octets 0-255 with no leading zero, is no part of a longer dotted
  number or word, and does not follow a version word ("version 1.2.3.4", "build", "section",
  "Java"...) or a list that began with one ("versions 1.2.3.4 and 1.2.3.5"), unless defanged;
* a domain's top-level label is a real ICANN public suffix with a registrable label before
  it. Where the TLD is also a file extension or a name in code (``setup.py``, ``archive.zip``,
  ``README.md``, ``self.name``), it counts only where a domain is certain: defanged, the host
  of a URL or an e-mail, under a second-level suffix (``example.com.pl``) or after ``www.``.
  A TLD in mixed case (``end.Then``, ``Dr.Web``) is two sentences glued, never a domain, and
  neither is a name called like a function (``requests.post(url)``);
* a URL and an e-mail also yield their host as a ``domain`` (or ``ip``) of the host's span;
  nothing else inside a URL or e-mail is reported, and a span never yields two other kinds;
* Bitcoin addresses pass their base58check or bech32/bech32m checksum, hashes are hex runs of
  exactly 32, 40 or 64 characters with a digit and a letter.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from functools import cache

from publicsuffixlist import PublicSuffixList

KINDS = ("cve", "ip", "domain", "url", "email", "hash", "technique", "crypto")


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator occurrence: ``value`` normalised, ``start:end`` the span as written."""

    kind: str
    value: str
    start: int
    end: int


# --- pieces shared by the patterns ---------------------------------------------------------

# A dot as written or defanged: ".", "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}".
_SEP = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|[\[({](?i:dot)[\])}])"
# A host label: alphanumeric runs joined by hyphens; possessive, so linear on long runs.
_LABEL = r"[A-Za-z0-9]++(?:-++[A-Za-z0-9]++)*+"
_HOST = rf"{_LABEL}(?:{_SEP}{_LABEL})++"
# Defanged punctuation and what it stands for.
_DEFANGED = re.compile(r"[\[({](?:\.|dot|:|@|at)[\])}]|\[://\]", re.IGNORECASE)
_REFANGED = {".": ".", "dot": ".", ":": ":", "@": "@", "at": "@"}

# A dotted run that may be an IPv4 address or a domain: not the tail of a longer word or dotted
# run ("my_site.com", "1.2.3.4.5" from its second number).
_DOTTED = re.compile(rf"(?<![\w\-])(?<!\w\.){_HOST}")
_HOST_AT = re.compile(_HOST)
_HOSTNAME = re.compile(r"[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*(?:\.[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*)+")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*+")
# A URL's scheme and separator, as written or defanged ("hxxps[://]"); what follows is parsed
# by _AUTHORITY and _URL_BODY.
_URL = re.compile(r"(h[tx]{2}ps?|f[tx]p)(?:://|\[:\]//|\[://\]|\[:/\]/|:\[//\])", re.IGNORECASE)
_URL_STOP = "\\s<>\"'`|\u201c\u201d\u2018\u2019"  # what ends a URL: space, quotes, brackets
_URL_BODY = re.compile(rf"[^{_URL_STOP}]*+")
_CVE = re.compile(
    r"[Cc][Vv][Ee][-\u2010-\u2013](1999|20\d\d)[-\u2010-\u2013](\d{4,7})(?![0-9A-Za-z])"
)
_TECHNIQUE = re.compile(r"T1\d{3}(?:\.\d{3})?(?![\w]|\.\d)")
# Where scanning starts: each pattern opens with one literal or character set, so the regex
# engine skips ahead to it instead of trying every position (a leading lookbehind, or an
# alternation, would cost 5-10 times as much on an article).
_DOT_AT = re.compile(r"[.\[({](?=[0-9A-Za-z.])")
_EMAIL_AT = re.compile(r"[@\[({](?:(?<=@)|(?:@|[Aa][Tt])[\])}])")
_URL_AT = re.compile(r":(?://|\[//\])|\[:(?:\]//|//\]|/\]/)")
# A run of 26+ letters and digits after a non-alphanumeric: a hash, a Bitcoin or Ethereum
# address. Sought only inside runs of 26+ characters without a space (the text is searched
# with a space in front), which an article has few of.
_LONG_RUN = re.compile(r" [^ ]{26,}+")
_TOKEN = re.compile(r"[^0-9A-Za-z]([0-9A-Za-z]{26,}+)")

# Words after which a dotted quad is a version or a section number, not an address, with the
# links that may come between ("patched in 8.1.0.2").
_VERSION_WORDS = frozenset(
    "version versions ver v build builds release releases released rel firmware fw update"
    " updates updated upgrade upgraded fixed patch patches patched rev revision revisions"
    " section sections clause clauses paragraph paragraphs para chapter chapters article"
    " articles art figure figures fig table tables step steps item items rule rules no nos"
    " number §"
    # products whose versions may have four parts ("Java 1.8.0.201")
    " java jdk jre python php chrome chromium firefox android ios macos windows".split()
)
_VERSION_LINKS = frozenset({"in", "to", "is", "was"})
_WORD_PUNCTUATION = ".,;:#()[]{}\"'"
# What may join the items of a list of versions ("versions 1.2.3.4, 1.2.3.5 and 1.2.3.6").
_LIST_JOIN = re.compile(r"\s*(?:,|and|or|to|through|thru|-|\u2013|/)?\s*(?:and|or)?\s*")

# TLDs that are also common file extensions (setup.py, archive.zip, main.cc) or names in code
# (self.name, user.id, response.data): such a "domain" needs certainty (_domain).
_AMBIGUOUS_TLDS = frozenset(
    {"zip", "mov", "py", "md", "sh", "rs", "pl", "pm", "so", "one", "pub", "cab", "app", "java"}
    | {"tf", "cc"}
    | {"name", "id", "data", "map", "post", "new"}
)
# Product names written as domains ("ASP.NET"): real sites, but in prose the product.
_PRODUCTS = frozenset({"asp.net", "vb.net", "ado.net"})
_HEX = frozenset("0123456789abcdefABCDEF")
_HEX_LETTERS = frozenset("abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_URL_TRAILING = frozenset(".,;:!?\"'*\u2026")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_SCHEMES = {"http": "http", "https": "https", "ftp": "ftp"}
# A URL's user info (to an "@") and host: a bracketed IPv6 address or a run up to a port, path,
# query or fragment. Neither runs past the next URL's separator, which has a colon or a slash.
_AUTHORITY = re.compile(
    rf"((?:[^/?#\\@\[{_URL_STOP}]|\[(?!@\]|at\]))*+(?:@|\[@\]|\[at\]))?"
    rf"(\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\]|(?:[^/?#\\:\[{_URL_STOP}]|\[(?!:\]))*+)",
    re.IGNORECASE,
)


@cache
def _psl() -> PublicSuffixList:
    """The public suffix list, ICANN section only (private suffixes such as github.io are
    registrable hosts' parents, not TLDs); unknown TLDs are not suffixes."""
    return PublicSuffixList(only_icann=True, accept_unknown=False)


def _refang(text: str) -> str:
    if "[" not in text and "(" not in text and "{" not in text:
        return text
    return _DEFANGED.sub(lambda m: _REFANGED.get(m.group()[1:-1].lower(), "://"), text)


# --- validators: written form (refanged) -> normalised value, or None ----------------------


def _ipv4(text: str) -> str | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    for part in parts:
        if not part.isascii() or not part.isdigit() or len(part) > 3:
            return None
        if (len(part) > 1 and part[0] == "0") or int(part) > 255:
            return None
    return text


def _ipv6(text: str) -> str | None:
    """IPv6 needs a hex letter or "::", so times (10:30:00) and ratios never pass."""
    if len(text) > 45 or text.count(":") < 2:
        return None
    if "::" not in text and not _HEX_LETTERS.intersection(text):
        return None
    if sum(c != ":" and c != "." for c in text) < 4:  # "a::b", "::1"
        return None
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None


def _domain(text: str, *, certain: bool) -> str | None:
    """``certain``: defanged, or a URL's or e-mail's host, so a file-extension TLD is fine."""
    if len(text) > 253:
        return None
    labels = text.split(".")
    tld = labels[-1]
    if len(labels) < 2 or len(tld) < 2 or not tld.isascii() or tld.isdigit():
        return None  # no TLD has one letter: "U.S", "e.g"
    if any(len(label) > 63 for label in labels):
        return None
    if not certain and not (tld.islower() or tld.isupper()):
        return None  # "end.Then": sentences glued; "x.cOm" no one writes
    value = text.lower()
    psl = _psl()
    if psl.privatesuffix(value) is None:
        return None
    if not certain:
        if value in _PRODUCTS:
            return None
        if tld.lower() in _AMBIGUOUS_TLDS and labels[0].lower() != "www":
            suffix = psl.publicsuffix(value)
            if suffix is None or "." not in suffix:
                return None
    return value


def _hash(token: str) -> str | None:
    if len(token) not in (32, 40, 64) or not _HEX.issuperset(token):
        return None
    if not _DIGITS.intersection(token) or not _HEX_LETTERS.intersection(token):
        return None
    return token.lower()


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32)}
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32M = 0x2BC830A3


def _base58check(token: str) -> bool:
    """A legacy (1...) or P2SH (3...) address: 25 bytes, version 0 or 5, double-SHA-256 checksum."""
    if not 26 <= len(token) <= 35 or token[0] not in "13":
        return False
    number = 0
    for c in token:
        digit = _B58_INDEX.get(c)
        if digit is None:
            return False
        number = number * 58 + digit
    zeros = len(token) - len(token.lstrip("1"))
    raw = bytes(zeros) + number.to_bytes((number.bit_length() + 7) // 8, "big")
    if len(raw) != 25 or raw[0] != (0 if token[0] == "1" else 5):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


def _bech32_polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_BECH32_GENERATOR):
            if (top >> i) & 1:
                check ^= generator
    return check


def _segwit(token: str) -> bool:
    """A bc1 address (BIP-173 bech32 for witness version 0, BIP-350 bech32m for 1-16)."""
    if token != token.lower() and token != token.upper() or not 26 <= len(token) <= 74:
        return False
    address = token.lower()
    if not address.startswith("bc1"):
        return False
    values = [_BECH32_INDEX.get(c, -1) for c in address[3:]]
    if -1 in values or len(values) < 7:
        return False
    hrp = [ord(c) >> 5 for c in "bc"] + [0] + [ord(c) & 31 for c in "bc"]
    version = values[0]
    if version > 16:
        return False
    if _bech32_polymod(hrp + values) != (1 if version == 0 else _BECH32M):
        return False
    # The witness program: 5-bit groups regrouped into bytes, with zero padding under 5 bits.
    accumulator = bits = 0
    program = bytearray()
    for value in values[1:-6]:
        accumulator = (accumulator << 5 | value) & 0xFFF
        bits += 5
        if bits >= 8:
            bits -= 8
            program.append(accumulator >> bits & 0xFF)
    if bits >= 5 or (accumulator << (8 - bits)) & 0xFF:
        return False
    if version == 0:
        return len(program) in (20, 32)
    return 2 <= len(program) <= 40


def _crypto(token: str) -> str | None:
    if len(token) == 42 and token.startswith("0x") and _HEX.issuperset(token[2:]):
        return token.lower()
    if token[:3].lower() == "bc1":
        return token.lower() if _segwit(token) else None
    return token if _base58check(token) else None


# --- finding -------------------------------------------------------------------------------

# (start, end, kind, value, group, host_of): a URL or e-mail is a group its host belongs to.
_Found = tuple[int, int, str, str, int, int]


def _url_host(written: str) -> tuple[str, str, str] | None:
    """A URL's host as written: (kind, value, as shown in the URL's value), or None."""
    if written.startswith("["):
        value = _ipv6(written[1:-1])
        return ("ip", value, f"[{value}]") if value else None
    plain = _refang(written).rstrip(".")
    value = _ipv4(plain)
    if value:
        return "ip", value, value
    if not _HOSTNAME.fullmatch(plain):
        return None
    value = _domain(plain, certain=True)
    return ("domain", value, value) if value else None


def _strip_trailing(text: str, start: int, end: int) -> int:
    """``end`` moved back over sentence punctuation and closing brackets left unopened."""
    counts = {c: text.count(c, start, end) for c in "()[]{}"}
    while end > start:
        last = text[end - 1]
        opener = _CLOSERS.get(last)
        if opener and counts[opener] < counts[last]:
            counts[last] -= 1
        elif last not in _URL_TRAILING:
            break
        end -= 1
    return end


def _parse_url(text: str, match: re.Match[str]) -> tuple[_Found, _Found] | None:
    """The URL whose scheme ``match`` found, trailing punctuation cut, and its host, both with
    spans; None when the host is no valid domain or IP address."""
    scheme = _SCHEMES.get(match.group(1).lower().replace("x", "t"))
    authority = _AUTHORITY.match(text, match.end())
    assert authority is not None  # the pattern matches the empty string
    host_start, host_end = authority.span(2)
    # The host alone first: the rest of the URL is scanned only for a valid one.
    if scheme is None or not _url_host(text[host_start:host_end].rstrip(".,;:!?\"')]}*")):
        return None
    end = _strip_trailing(text, match.start(), _URL_BODY.match(text, host_end).end())
    host_end = min(host_end, end)
    host = _url_host(text[host_start:host_end])
    if host is None:
        return None
    kind, value, shown = host
    userinfo = _refang(authority.group(1) or "")
    url = f"{scheme}://{userinfo}{shown}{_refang(text[host_end:end])}"
    if shown.startswith("["):
        host_start, host_end = host_start + 1, host_end - 1
    return (
        (match.start(), end, "url", url, match.start(), -1),
        (host_start, host_end, kind, value, -1, match.start()),
    )


def _urls(text: str, found: list[_Found]) -> None:
    pos = 0
    while sep := _URL_AT.search(text, pos):
        pos = sep.end()
        start = sep.start()
        while start > 0 and sep.start() - start < 5 and text[start - 1].isalpha():
            start -= 1
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue
        match = _URL.match(text, start)
        parsed = _parse_url(text, match) if match and match.end() >= sep.end() else None
        if parsed:
            found.extend(parsed)
            pos = max(pos, parsed[0][1])


def _emails(text: str, found: list[_Found]) -> None:
    for match in _EMAIL_AT.finditer(text):
        at = match.start()
        start = at
        while start > 0 and at - start <= 64:
            if text[start - 1] in _EMAIL_LOCAL:
                start -= 1
            elif text[start - 3 : start] in ("[.]", "(.)", "{.}"):  # john[.]doe[at]evil.com
                start -= 3
            else:
                break
        while start < at and text[start] == ".":
            start += 1
        local = _refang(text[start:at])
        if not local or len(local) > 64 or local[0] == "." or local[-1] == "." or ".." in local:
            continue
        host = _HOST_AT.match(text, match.end())
        if not host or _glued(text, host.end()):
            continue
        value = _domain(_refang(host.group()), certain=True)
        if value:
            found.append((start, host.end(), "email", f"{local.lower()}@{value}", start, -1))
            found.append((host.start(), host.end(), "domain", value, -1, start))


def _glued(text: str, end: int) -> bool:
    """Whether a match ending at ``end`` runs on into a word ("evil.com_x", "1.2.3.4é")."""
    return end < len(text) and (text[end].isalnum() or text[end] == "_")


def _after_word(text: str, start: int) -> bool:
    """Whether ``start`` continues a word or a dotted run, so no indicator starts there."""
    if start == 0:
        return False
    before = text[start - 1]
    if before.isalnum() or before in "_-":
        return True
    return before == "." and start > 1 and (text[start - 2].isalnum() or text[start - 2] == "_")


def _version_context(text: str, start: int, previous: tuple[int, int] | None) -> bool:
    """Whether a dotted quad at ``start`` is a version or section number by its context."""
    words = text[max(0, start - 32) : start].split()
    last = words[-1].strip(_WORD_PUNCTUATION).lower() if words else ""
    if last in _VERSION_WORDS or last.endswith("§"):
        return True
    if last in _VERSION_LINKS and len(words) > 1:
        if words[-2].strip(_WORD_PUNCTUATION).lower() in _VERSION_WORDS:
            return True
    if previous is not None and start - previous[1] < 16:
        return _LIST_JOIN.fullmatch(text, previous[1], start) is not None
    return False


def _dotted(text: str, found: list[_Found]) -> None:
    versions: tuple[int, int] | None = None  # the last dotted quad taken for a version
    pos = 0
    while dot := _DOT_AT.search(text, pos):
        pos = dot.end()
        start = dot.start()
        while start > 0 and text[start - 1] in _LABEL_CHARS:
            start -= 1
        match = _DOTTED.match(text, start) if start < dot.start() else None
        if match is None or match.end() <= dot.start():
            continue
        pos = match.end()
        if not _glued(text, pos):
            versions = _dotted_run(text, start, match.group(), versions, found)


def _dotted_run(
    text: str,
    start: int,
    written: str,
    versions: tuple[int, int] | None,
    found: list[_Found],
    glued: bool = True,
) -> tuple[int, int] | None:
    """An IPv4 address, a range of two or a domain from the dotted run ``written`` at ``start``
    (or, if ``glued``, from the run less a sentence glued on); returns the span of the run if
    it was taken for a version, else ``versions``."""
    end = start + len(written)
    defanged = "[" in written or "(" in written or "{" in written
    plain = _refang(written) if defanged else written
    if plain.replace(".", "").isdigit():
        if _ipv4(plain) is None:
            return versions
        if not defanged and _version_context(text, start, versions):
            return (start, end)
        found.append((start, end, "ip", plain, -1, -1))
    elif not defanged and _DIGITS.issuperset(plain.replace(".", "").replace("-", "")):
        if not _version_context(text, start, versions):
            _range(start, plain, found)  # 10.0.0.1-10.0.0.9
    elif defanged or end == len(text) or text[end] != "(":  # requests.post(url) is code
        value = _domain(plain, certain=defanged)
        if value:
            found.append((start, end, "domain", value, -1, -1))
        elif glued and not defanged and plain.count(".") >= 2:
            cut = plain.rfind(".")
            if plain[cut + 1].isupper():  # "evil.com.The"
                return _dotted_run(text, start, plain[:cut], versions, found, glued=False)
    return versions


def _range(start: int, written: str, found: list[_Found]) -> None:
    offset = start
    for piece in written.split("-"):
        if _ipv4(piece):
            found.append((offset, offset + len(piece), "ip", piece, -1, -1))
        offset += len(piece) + 1


def _ipv6s(text: str, found: list[_Found]) -> None:
    # Only where two colons come within five characters: the text's other colons cost nothing.
    colon = text.find(":")
    while colon != -1:
        if text.find(":", colon + 1, colon + 6) == -1:
            colon = text.find(":", colon + 1)
            continue
        start = colon
        while start > 0 and colon - start < 4 and text[start - 1] in _HEX:
            start -= 1
        match = _IPV6.match(text, start)
        if match is None:
            colon = text.find(":", colon + 1)
            continue
        written = match.group()
        while written.endswith(".") or (written.endswith(":") and not written.endswith("::")):
            written = written[:-1]
        end = start + len(written)
        value = _ipv6(written) if not _glued(text, end) else None
        if value:
            found.append((start, end, "ip", value, -1, -1))
        colon = text.find(":", match.end())


def _tokens(text: str, found: list[_Found]) -> None:
    if "CVE" in text or "cve" in text or "Cve" in text:
        for match in _CVE.finditer(text):
            if not _after_word(text, match.start()):
                value = f"CVE-{match.group(1)}-{match.group(2)}"
                found.append((match.start(), match.end(), "cve", value, -1, -1))
    if "T1" in text:
        for match in _TECHNIQUE.finditer(text):
            start = match.start()
            if not _after_word(text, start) and not (start and text[start - 1] == "."):
                found.append((start, match.end(), "technique", match.group(), -1, -1))
    padded = " " + text
    for run in _LONG_RUN.finditer(padded):
        for match in _TOKEN.finditer(padded, run.start(), run.end()):
            token = match.group(1)
            if len(token) > 90:
                continue
            value = _hash(token)
            kind = "hash"
            if value is None:
                value, kind = _crypto(token), "crypto"
            if value:
                found.append((match.start(1) - 1, match.end(1) - 1, kind, value, -1, -1))


def find_indicators(text: str) -> list[Indicator]:
    """Every indicator occurrence, in text order (the same value may repeat)."""
    found: list[_Found] = []
    _urls(text, found)
    _emails(text, found)
    _dotted(text, found)
    _ipv6s(text, found)
    _tokens(text, found)
    # Longest first at a start: a URL or e-mail covers all but its host, any other its span.
    found.sort(key=lambda f: (f[0], -f[1], f[5]))
    kept: list[Indicator] = []
    cover_end, cover_group = -1, -2
    for start, end, kind, value, group, host_of in found:
        if start < cover_end:
            if host_of == cover_group and host_of >= 0:
                kept.append(Indicator(kind, value, start, end))
            continue
        kept.append(Indicator(kind, value, start, end))
        cover_end, cover_group = end, group
    return kept


# --- queries -------------------------------------------------------------------------------

_CVE_ALONE = re.compile(r"CVE[-\u2010-\u2013](1999|20\d\d)[-\u2010-\u2013](\d{4,7})", re.I)
_TECHNIQUE_ALONE = re.compile(r"T(1\d{3})(?:[./](\d{3}))?", re.I)


def normalise(kind: str, value: str) -> str | None:
    """A user-typed indicator (a query `ip:…`, `cve:…`) in the form find_indicators gives,
    or None if it is not a valid one of that kind (used to parse queries).

    The kind is given, so a file-extension TLD (``domain:evil.zip``) is a domain here; an
    unknown kind is a caller's mistake (ValueError)."""
    if kind not in KINDS:
        raise ValueError(f"unknown indicator kind {kind!r}")
    value = value.strip()
    if not value:
        return None
    if kind == "cve":
        match = _CVE_ALONE.fullmatch(value)
        return f"CVE-{match.group(1)}-{match.group(2)}" if match else None
    if kind == "technique":
        match = _TECHNIQUE_ALONE.fullmatch(value)
        if not match:
            return None
        return f"T{match.group(1)}" + (f".{match.group(2)}" if match.group(2) else "")
    if kind == "hash":
        return _hash(value)
    if kind == "crypto":
        return _crypto(value) if value.isascii() and value.isalnum() else None
    plain = _refang(value)
    if kind == "ip":
        if plain.startswith("[") and plain.endswith("]"):
            plain = plain[1:-1]
        return _ipv4(plain) or _ipv6(plain)
    if kind == "domain":
        plain = plain.rstrip(".")
        return _domain(plain, certain=True) if _HOSTNAME.fullmatch(plain) else None
    if kind == "email":
        local, at, host = plain.rpartition("@")
        if not at or not local or len(local) > 64 or not _EMAIL_LOCAL.issuperset(local):
            return None
        if local.startswith(".") or local.endswith(".") or ".." in local:
            return None
        domain = normalise("domain", host)
        return f"{local.lower()}@{domain}" if domain else None
    match = _URL.match(value)  # url; trailing sentence punctuation is forgiven
    parsed = _parse_url(value, match) if match else None
    if parsed is None or not _URL_BODY.fullmatch(value, parsed[0][1]):
        return None
    return parsed[0][3]
