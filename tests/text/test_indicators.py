"""Indicators (IOCs) in text: every kind found as written and defanged, normalised, the traps of
ordinary prose left alone, spans and overlaps, query normalisation, and long adversarial texts
(which must finish: the scan is linear)."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchapp.text.indicators import KINDS, Indicator, find_indicators, normalise

GOLD = Path(__file__).resolve().parents[2] / "benchmarks" / "entities" / "indicators.toml"

GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
ETHEREUM = "0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe"
MD5 = "4a527f83a3a4ca7e1d70adb26a35b72e"
SHA1 = "c57e08af28c85e7fe987028f7986f0bb4573f663"
SHA256 = "d47712cceb4c780603026e6325221c1bcff90679ebc076baa51c71ebe796717c"

# About 3,000 characters of ordinary reporting, with the numbers, dates, abbreviations and
# dotted runs that prose is full of, and no indicator.
ESPIONAGE = """\
When the two men met outside No. 10 at 10:30 on a wet Tuesday in March 2019, neither of them \
knew that the conversation would end up in a classified annex of a U.S. Senate report. One was \
a mid-ranking diplomat; the other, according to officials on both sides of the Atlantic, was a \
handler working for Russia's military intelligence service, the GRU. Over the following 18 \
months the pair met at least 14 times, e.g. in cafés near Westminster, in a hotel bar in St. \
Petersburg and, on one occasion, at a conference in Vienna on 12.10.2019 where the diplomat \
gave a talk on trade policy.

Investigators later established that the diplomat had been paid roughly £2.5m, i.e. about 3.5 \
per cent of the budget of the unit he was meant to be overseeing. The payments arrived in \
small amounts, typically between £4,000 and £9,500, through a chain of shell companies \
registered in Cyprus, Malta and the British Virgin Islands. Mr. Hughes, the detective \
superintendent who led the inquiry, told the court that the money trail "looked like a \
textbook operation from the 1970s, only faster".

The case turned on a single laptop. Forensic examiners found an encrypted messaging app, \
version 2.1.0.4, that had been modified so that it deleted its own logs at 3 a.m. every night. \
The software was not sophisticated, the prosecution said, but it was enough: it took the \
police's digital unit more than 7.5 weeks to recover 1,274 messages, many of them sent between \
11 p.m. and 2 a.m. on weekdays. In one exchange the handler asked for "the usual", which the \
jury heard meant copies of cables marked SECRET or above.

Defence lawyers argued that much of the material was already public, pointing to pp. 112-119 \
of a 2018 parliamentary review and to Section 4.2 of the Foreign Office's own guidance. They \
also noted that the diplomat had reported at least one approach, in 2017, as the rules \
required. The judge was unimpressed. "The fact that some of what he handed over could be \
found elsewhere does not make it less of a betrayal," she said, sentencing him to 12 years.

The affair has prompted a wider review. Ministers have promised £120m over five years for \
vetting, and the Cabinet Office said 2,300 officials in sensitive posts would be \
re-interviewed by the end of 2024. Security services in France, Germany and the Netherlands \
have run similar exercises; a Dutch review found that 1 in 40 staff had undeclared contacts \
with foreign officials, mostly harmless. Critics say the measures miss the point: the diplomat \
passed his vetting twice, in 2009 and again in 2016, and his debts, which reached $310,000 at \
one stage, were known to colleagues.

Experts caution against drawing sweeping conclusions. "Espionage has always relied on people, \
not gadgets," said a former MI6 officer, who asked not to be named. "You can buy all the \
software you like, at $99.99 a seat or whatever, but in the end someone decides to sell out \
their country." The GRU, for its part, has never commented on the case, and the handler, \
identified in court only as Witness K., is believed to have left the UK at 7.45pm.
"""


def found(text: str) -> list[tuple[str, str]]:
    return [(i.kind, i.value) for i in find_indicators(text)]


def of_kind(text: str, kind: str) -> list[str]:
    return [i.value for i in find_indicators(text) if i.kind == kind]


def written(text: str) -> list[tuple[str, str]]:
    """Each indicator with its span's text as written."""
    return [(i.kind, text[i.start : i.end]) for i in find_indicators(text)]


# --- CVE -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Log4Shell (CVE-2021-44228) was exploited.", "CVE-2021-44228"),
        ("Outlook's cve-2023-23397 was patched.", "CVE-2023-23397"),
        ("the oldest, CVE-1999-0001, ", "CVE-1999-0001"),
        ("a seven-digit id CVE-2024-1234567.", "CVE-2024-1234567"),
        ("typeset as CVE\u20112021\u201144228 with hyphens", "CVE-2021-44228"),
    ],
)
def test_a_cve_is_found_in_upper_case(text: str, value: str):
    assert found(text) == [("cve", value)]


@pytest.mark.parametrize(
    "text",
    [
        "CVE-2021-442 is a typo",  # three digits
        "CVE-2021-12345678 has eight",
        "CVE-1998-0001 predates the range",
        "CVE-21-44228 has a short year",
        "XCVE-2021-44228 is glued",
        "CVE-2021-44228a is glued",
    ],
)
def test_a_malformed_cve_is_not_found(text: str):
    assert of_kind(text, "cve") == []


# --- IPv4 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "as_written"),
    [
        ("scanning from 185.220.101.4 overnight", "185.220.101.4"),
        ("C2 at 185.220.101[.]4.", "185.220.101[.]4"),
        ("C2 at 185[.]220[.]101[.]4.", "185[.]220[.]101[.]4"),
        ("C2 at 185.220.101(.)4.", "185.220.101(.)4"),
        ("C2 at 185.220.101[dot]4.", "185.220.101[dot]4"),
        ("C2 at 185.220.101{.}4.", "185.220.101{.}4"),
        ("ip=185.220.101.4;port=443", "185.220.101.4"),
        ("host:185.220.101.4:8443", "185.220.101.4"),
        ("the block 185.220.101.4/24", "185.220.101.4"),
        ("loopback 127.0.0.1, ", "127.0.0.1"),
        ("all interfaces: 0.0.0.0.", "0.0.0.0"),
        ("version 185.220.101[.]4 (defanged, so an address)", "185.220.101[.]4"),
    ],
)
def test_an_ipv4_address_is_found_plain_or_defanged(text: str, as_written: str):
    assert written(text) == [("ip", as_written)]
    assert found(text)[0][1] == as_written.translate(str.maketrans("", "", "[](){}")).replace(
        "dot", "."
    )


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3.4 fixes it",
        "Version: 1.2.3.4",
        "ver. 1.2.3.4",
        "v2.0.1.3 and v 2.0.1.3",
        "build 10.0.1.1",
        "firmware 1.0.2.3",
        "release 4.4.0.1",
        "the update 5.1.2.3",
        "patched in 8.1.0.2",
        "section 3.2.1.4 of the advisory",
        "clause 4.3.2.1 and paragraph 2.1.1.5",
        "Oracle Java 1.8.0.201",
        "versions 8.1.0.2, 8.1.0.3 and 8.1.1.0",
        "versions 10.0.0.1 to 10.0.0.9",
        "999.1.1.1",
        "10.0.0.256",
        "1.2.3.4.5",
        "5.1.2.3.4",
        "the OID 1.3.6.1.4.1.311",
        "01.2.3.4",
        "1.02.3.4",
        "1.2.3",
        "abc1.2.3.4",
        "1.2.3.4abc",
        "1.2.3.4_x",
        "x_1.2.3.4",
        "2.0.0.1-beta",
        "on 12.10.2019 at noon",
        "call 020.7946.0958",
        "Chrome 120.0.6099.109",
    ],
)
def test_versions_long_dotted_numbers_and_bad_octets_are_no_ipv4(text: str):
    assert of_kind(text, "ip") == []


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("hosted at evil.com.The group", ("domain", "evil.com")),
        ("from 185.220.101.4.Then it", ("ip", "185.220.101.4")),
    ],
)
def test_an_indicator_is_found_before_a_sentence_glued_on(text: str, indicator: tuple[str, str]):
    assert found(text) == [indicator]


def test_a_range_of_addresses_is_two():
    assert found("internal range 10.10.0.1-10.10.0.254 only") == [
        ("ip", "10.10.0.1"),
        ("ip", "10.10.0.254"),
    ]


def test_an_address_after_a_version_list_ends_is_found():
    text = "versions 8.1.0.2 and 8.1.0.3 are affected. The scanner 192.0.2.146 probed them."
    assert found(text) == [("ip", "192.0.2.146")]


# --- IPv6 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("beacons to 2001:db8::1 hourly", "2001:db8::1"),
        ("beacons to 2001:DB8:0:0:0:0:0:1.", "2001:db8::1"),
        ("C2 2001:db8:85a3::8a2e:370:7334, then", "2001:db8:85a3::8a2e:370:7334"),
        ("link-local fe80::1ff:fe23:4567:890a%eth0", "fe80::1ff:fe23:4567:890a"),
        ("mapped ::ffff:192.0.2.128 only", "::ffff:c000:280"),
        ("full 2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
    ],
)
def test_an_ipv6_address_is_found_compressed(text: str, value: str):
    assert found(text) == [("ip", value)]


@pytest.mark.parametrize(
    "text",
    [
        "at 10:30:00 UTC",
        "at 2:30:45 p.m.",
        "the ratio 3:2:1",
        "1:2:3:4:5:6:7:8 has no hex letter",
        "MAC 00:1A:2B:3C:4D:5E",
        "std::string and a::b",
        "2023-10-12T10:30:00Z",
        "scored 12:30 and 16:9",
        "Matthew 5:3:1",
    ],
)
def test_times_ratios_and_macs_are_no_ipv6(text: str):
    assert of_kind(text, "ip") == []


# --- domains -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("the site evil.com hosted it", "evil.com"),
        ("hosted on evil.com.", "evil.com"),
        ("Amazon.com and", "amazon.com"),
        ("the broadcaster BBC.co.uk said", "bbc.co.uk"),
        ("EVIL-DOMAIN.NET in a table", "evil-domain.net"),
        ("evil[.]com", "evil.com"),
        ("evil(.)com", "evil.com"),
        ("evil[dot]com", "evil.com"),
        ("evil(dot)com", "evil.com"),
        ("evil{.}com", "evil.com"),
        ("cdn[.]update[.]evil[.]co[.]uk", "cdn.update.evil.co.uk"),
        ("sub-domain.x7kq.duckdns.org", "sub-domain.x7kq.duckdns.org"),
        (
            "leak site lockbitapt6vx57t3eeqjofwgcglmutr3a35nygvokja5uuccip4ykyd.onion",
            "lockbitapt6vx57t3eeqjofwgcglmutr3a35nygvokja5uuccip4ykyd.onion",
        ),
        ("punycode xn--80ak6aa92e.com", "xn--80ak6aa92e.com"),
        ("Chinese 163.com mail", "163.com"),
        ("wildcard *.evil.com", "evil.com"),
        ("the (evil.com) host", "evil.com"),
    ],
)
def test_a_domain_is_found_lower_case(text: str, value: str):
    assert found(text) == [("domain", value)]


@pytest.mark.parametrize(
    "text",
    [
        "report.pdf",
        "payload.exe",
        "setup.py",
        "README.md",
        "archive.zip",
        "video.mov",
        "install.sh",
        "main.rs",
        "collect.pl",
        "Module.pm",
        "libcrypto.so",
        "Calculator.app",
        "Invoice.one",
        "Main.java",
        "main.cc",
        "config.json",
        "xz-5.6.1.tar.gz",
        "e.g. this",
        "i.e. that",
        "the U.S. and the U.K.",
        "at 3 a.m. or 11 p.m.",
        "J.R.R. Tolkien",
        "a.k.a. Fancy Bear",
        "Ph.D. students",
        "the campaign ended.Then it resumed",
        "as before.It was",
        "Dr.Web found it",
        "the ASP.NET web shell",
        "node.js modules",
        "pi is 3.14",
        "grew 3.5 per cent",
        "co.uk alone is a suffix",
        "self.name and user.id",
        "response.data",
        "requests.post(url)",
        "my_site.com",
        "the WindowsUpdate.Service value",
        "com.android.systemupdate",
        "host.localhost",
        "x.cOm",
        ".zip on its own",
    ],
)
def test_file_names_abbreviations_and_glued_sentences_are_no_domain(text: str):
    assert of_kind(text, "domain") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("microsoft-office[.]zip", "microsoft-office.zip"),
        ("github-release(.)mov", "github-release.mov"),
        ("www.evil.zip", "www.evil.zip"),
        ("update.example.com.pl", "update.example.com.pl"),
        ("hxxps://files.evil.zip/a", "files.evil.zip"),
        ("mail bob@evil.sh today", "evil.sh"),
        ("sinkholed at evil[.]py", "evil.py"),
    ],
)
def test_a_file_extension_tld_is_a_domain_where_a_domain_is_certain(text: str, value: str):
    assert of_kind(text, "domain") == [value]


# --- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url", "host"),
    [
        ("from http://evil.com/a.exe now", "http://evil.com/a.exe", ("domain", "evil.com")),
        ("from hxxp://evil[.]com/a now", "http://evil.com/a", ("domain", "evil.com")),
        ("hxxps://evil[.]com/a[.]php", "https://evil.com/a.php", ("domain", "evil.com")),
        ("http[:]//evil.com/x", "http://evil.com/x", ("domain", "evil.com")),
        ("hxxp[://]evil.com/x", "http://evil.com/x", ("domain", "evil.com")),
        ("http[://]evil.com/x", "http://evil.com/x", ("domain", "evil.com")),
        ("hXXps://Evil.COM/Path?Q=1", "https://evil.com/Path?Q=1", ("domain", "evil.com")),
        ("fxp://198.51.100.7/upload", "ftp://198.51.100.7/upload", ("ip", "198.51.100.7")),
        (
            "ftp://files.evil.ru/pub/x.tgz;",
            "ftp://files.evil.ru/pub/x.tgz",
            ("domain", "files.evil.ru"),
        ),
        ("http://203.0.113.50:8000/up", "http://203.0.113.50:8000/up", ("ip", "203.0.113.50")),
        ("http://45.137.21[.]9:8080/E", "http://45.137.21.9:8080/E", ("ip", "45.137.21.9")),
        ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x", ("ip", "2001:db8::1")),
        ("https://evil.com", "https://evil.com", ("domain", "evil.com")),
        ("https://evil.com.", "https://evil.com", ("domain", "evil.com")),
        ("(see https://evil.com/a).", "https://evil.com/a", ("domain", "evil.com")),
        ('"https://evil.com/a",', "https://evil.com/a", ("domain", "evil.com")),
        ("[link](https://evil.com/a)", "https://evil.com/a", ("domain", "evil.com")),
        ("https://evil.com/a!?", "https://evil.com/a", ("domain", "evil.com")),
        (
            "https://en.wikipedia.org/wiki/Foo_(bar).",
            "https://en.wikipedia.org/wiki/Foo_(bar)",
            ("domain", "en.wikipedia.org"),
        ),
        ("https://evil.com:443/", "https://evil.com:443/", ("domain", "evil.com")),
        ("http://user@evil.com/x", "http://user@evil.com/x", ("domain", "evil.com")),
        (
            "https://microsoft-office.zip/login",
            "https://microsoft-office.zip/login",
            ("domain", "microsoft-office.zip"),
        ),
    ],
)
def test_a_url_is_found_refanged_with_its_host(text: str, url: str, host: tuple[str, str]):
    assert found(text) == [("url", url), host]


def test_the_host_span_is_the_host_as_written():
    text = "fetched from hxxp://evil[.]com:8080/a.exe today"
    url, host = find_indicators(text)
    assert text[url.start : url.end] == "hxxp://evil[.]com:8080/a.exe"
    assert text[host.start : host.end] == "evil[.]com"


@pytest.mark.parametrize(
    "text",
    [
        "http://localhost:8080/admin",
        "http://intranet/login",
        "http://999.1.1.1/x",
        "https:// evil.com",
        "xhttp://evil.com/a",
        "gopher://evil.com/a",
    ],
)
def test_a_url_without_a_valid_host_is_no_url(text: str):
    assert of_kind(text, "url") == []


@pytest.mark.parametrize(
    "text",
    [
        f"https://www.virustotal.com/gui/file/{SHA256}",
        "https://nvd.nist.gov/vuln/detail/CVE-2024-3094",
        "https://attack.mitre.org/techniques/T1059/001/",
        "https://evil.com/?u=bob@victim.com&ip=1.2.3.4",
        "https://evil.com/files/setup.zip",
    ],
)
def test_only_a_url_and_its_host_are_reported_from_a_url(text: str):
    assert [kind for kind, _ in found(text)] == ["url", "domain"]


# --- e-mail --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "email", "domain"),
    [
        (
            "from support@protonmail-secure.com today",
            "support@protonmail-secure.com",
            "protonmail-secure.com",
        ),
        ("to <J.Doe@Physics.Example.EDU>", "j.doe@physics.example.edu", "physics.example.edu"),
        ("at recovery[@]darkmail[.]io.", "recovery@darkmail.io", "darkmail.io"),
        ("at ops[at]lockbit-support[.]cc", "ops@lockbit-support.cc", "lockbit-support.cc"),
        ("at ops[AT]evil.com", "ops@evil.com", "evil.com"),
        ("at ops(at)evil.com", "ops@evil.com", "evil.com"),
        ("at john[.]doe[at]evil[.]com", "john.doe@evil.com", "evil.com"),
        ("user+tag@gmail.com", "user+tag@gmail.com", "gmail.com"),
        ("Mastodon @joe@infosec.exchange.", "joe@infosec.exchange", "infosec.exchange"),
        ("john.name@victim.org", "john.name@victim.org", "victim.org"),
    ],
)
def test_an_email_is_found_with_its_domain(text: str, email: str, domain: str):
    assert found(text) == [("email", email), ("domain", domain)]


def test_the_email_host_span_is_the_domain_as_written():
    text = "write to recovery[@]darkmail[.]io now"
    email, host = find_indicators(text)
    assert text[email.start : email.end] == "recovery[@]darkmail[.]io"
    assert text[host.start : host.end] == "darkmail[.]io"


@pytest.mark.parametrize(
    "text",
    [
        "j.smith@localhost",
        "follow @securityjoe",
        "user@evil",
        "contact at company dot com",
        "user@report.pdf",
        "a..b@evil.com",
        "@evil.com",
    ],
)
def test_no_email_without_a_local_part_and_valid_domain(text: str):
    assert of_kind(text, "email") == []


# --- hashes --------------------------------------------------------------------------------


@pytest.mark.parametrize("digest", [MD5, SHA1, SHA256, MD5.upper(), SHA256.upper()])
def test_a_hash_is_found_lower_case(digest: str):
    for text in (f"MD5 {digest}", f"({digest})", f"sha={digest}.", f"file_{digest}.exe"):
        assert found(text) == [("hash", digest.lower())]


@pytest.mark.parametrize(
    "text",
    [
        SHA256[:31],
        SHA256[:33],
        SHA256[:39],
        SHA256[:41],
        SHA256[:63],
        SHA256 + "a",
        "1" * 32,  # no letter
        "1234567890" * 4,
        "abcdef" * 6 + "abcd",  # no digit
        "g" + MD5,  # glued to a letter
        MD5 + "z",
        "3F2504E0-4F89-11D3-9A0C-0305E82C3301",  # a GUID
    ],
)
def test_other_hex_runs_are_no_hash(text: str):
    assert of_kind(text, "hash") == []


# --- ATT&CK techniques ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PowerShell (T1059.001)", "T1059.001"),
        ("phishing, T1566, then", "T1566"),
        ("T1547.001.", "T1547.001"),
    ],
)
def test_a_technique_is_found(text: str, value: str):
    assert found(text) == [("technique", value)]


@pytest.mark.parametrize(
    "text",
    ["t1059 lower", "T12345", "T123", "T0800 (ICS)", "T1059.01", "T1059.0011", "XT1059", "T1059a"],
)
def test_other_t_numbers_are_no_technique(text: str):
    assert of_kind(text, "technique") == []


# --- cryptocurrency addresses --------------------------------------------------------------

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58check(payload: bytes) -> str:
    """Encodes like Bitcoin, independently of the module, to test its decoder."""
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(raw, "big")
    digits = ""
    while number:
        number, digit = divmod(number, 58)
        digits = BASE58[digit] + digits
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + digits


@pytest.mark.parametrize(
    ("address", "value"),
    [
        (GENESIS, GENESIS),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
        # BIP-173 and BIP-350 test vectors
        (
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ),
        (
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ),
        (
            "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
            "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        ),
        (ETHEREUM, ETHEREUM.lower()),
    ],
)
def test_a_crypto_address_is_found(address: str, value: str):
    assert found(f"pay to {address}.") == [("crypto", value)]


def test_base58check_addresses_pass_and_one_changed_character_fails():
    rng = random.Random(7)
    for version in (0, 5) * 20:
        address = base58check(bytes([version]) + rng.randbytes(20))
        assert found(f"wallet {address} ") == [("crypto", address)]
        i = rng.randrange(1, len(address))
        changed = address[:i] + rng.choice(BASE58.replace(address[i], "")) + address[i + 1 :]
        assert of_kind(f"wallet {changed} ", "crypto") == []


@pytest.mark.parametrize(
    "text",
    [
        GENESIS[:-1] + "b",  # checksum
        "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62X",
        "1QLbz7JHiBTspS962RLKV8GndWFwi5j6Qq",
        "3FakeAddressNotRealChecksumXyZ123",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # checksum
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # version 0 with a bech32m checksum
        "bc1qw508d6qejxtdg4y5r3zarvary0c5XW7KV8F3T4",  # mixed case
        "tb1qw508d6qejxtdg4c5r3zarvary0c5xw7kxpjzsx",  # testnet
        ETHEREUM[:-1],
        ETHEREUM + "a",
        "0x" + "g" * 40,
    ],
)
def test_strings_that_fail_a_checksum_are_no_crypto_address(text: str):
    assert of_kind(f"pay to {text}.", "crypto") == []


# --- overlaps, spans, order ----------------------------------------------------------------

REPORT = f"""\
Attackers exploited CVE-2021-44228 from 185.220.101.4 and 2001:db8::1, fetching \
hxxps://cdn.evil[.]com/{MD5}/a.exe and https://nvd.nist.gov/vuln/detail/CVE-2023-23397. \
Mail came from ops[at]evil-mail.ru (T1566.001); ransom to {GENESIS} or {ETHEREUM}. \
Dropped: {SHA256}, evil(.)com, {MD5}.evil.com and setup.py, at 10:30 on 12.10.2023, \
version 2.1.0.4, e.g. with ::ffff:192.0.2.128 and 91.219.236[.]166."""


def test_a_report_yields_every_indicator_in_text_order():
    assert found(REPORT) == [
        ("cve", "CVE-2021-44228"),
        ("ip", "185.220.101.4"),
        ("ip", "2001:db8::1"),
        ("url", f"https://cdn.evil.com/{MD5}/a.exe"),
        ("domain", "cdn.evil.com"),
        ("url", "https://nvd.nist.gov/vuln/detail/CVE-2023-23397"),
        ("domain", "nvd.nist.gov"),
        ("email", "ops@evil-mail.ru"),
        ("domain", "evil-mail.ru"),
        ("technique", "T1566.001"),
        ("crypto", GENESIS),
        ("crypto", ETHEREUM.lower()),
        ("hash", SHA256),
        ("domain", "evil.com"),
        ("domain", f"{MD5}.evil.com"),
        ("ip", "::ffff:c000:280"),
        ("ip", "91.219.236.166"),
    ]


def assert_well_formed(text: str, indicators: list[Indicator]) -> None:
    """Spans in order and inside the text; spans overlap only as a URL or e-mail and its host."""
    assert [i.start for i in indicators] == sorted(i.start for i in indicators)
    container = None
    for indicator in indicators:
        assert indicator.kind in KINDS
        assert 0 <= indicator.start < indicator.end <= len(text)
        if container and indicator.start < container.end:
            assert container.kind in ("url", "email")
            assert indicator.kind in ("domain", "ip")
            assert indicator.end <= container.end
        else:
            container = indicator


def test_spans_overlap_only_as_a_container_and_its_host():
    assert_well_formed(REPORT, find_indicators(REPORT))


def test_the_same_value_is_reported_at_each_occurrence():
    text = "evil.com, then evil[.]com, then EVIL.COM"
    assert [(i.value, text[i.start : i.end]) for i in find_indicators(text)] == [
        ("evil.com", "evil.com"),
        ("evil.com", "evil[.]com"),
        ("evil.com", "EVIL.COM"),
    ]


def test_an_indicator_is_a_frozen_value():
    indicator = find_indicators("CVE-2021-44228")[0]
    assert indicator == Indicator("cve", "CVE-2021-44228", 0, 14)
    with pytest.raises(dataclasses.FrozenInstanceError):
        indicator.value = "x"  # type: ignore[misc]


@given(st.text(alphabet=st.sampled_from(list("0123456789abcdefxX.:-/[]()@ hT\n")), max_size=300))
def test_any_text_gives_well_formed_indicators(text: str):
    assert_well_formed(text, find_indicators(text))


@given(
    st.lists(
        st.sampled_from(
            ["evil.com", "hxxp://", "[.]", "1.2.3.4", "::", "@", "CVE-2021-44228", " ", ".", "/"]
            + [MD5, GENESIS, "version ", "(", ")", "x", "T1059", "[at]", "2001:db8", ":"]
        ),
        max_size=40,
    )
)
def test_any_mix_of_indicator_pieces_gives_well_formed_indicators(pieces: list[str]):
    text = "".join(pieces)
    assert_well_formed(text, find_indicators(text))


# --- prose ---------------------------------------------------------------------------------


def test_an_ordinary_article_has_no_indicator():
    assert len(ESPIONAGE) >= 3000
    for trap in ("U.S.", "e.g.", "No. 10", "3.5 per cent", "version 2.1.0.4", "10:30"):
        assert trap in ESPIONAGE
    assert find_indicators(ESPIONAGE) == []


def test_an_empty_text_has_no_indicator():
    assert find_indicators("") == []


# --- long and adversarial texts: linear, so each finishes ----------------------------------

MEGABYTE = 1_000_000


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("1" * MEGABYTE, 0),
        ("1234567890." * (MEGABYTE // 11), 0),
        ("1.2." * (MEGABYTE // 4), 0),
        ("deadbeef0123" * (MEGABYTE // 12), 0),
        (("a1" * 16 + "b ") * (MEGABYTE // 35), 0),  # 33-character hex runs
        ("x." * (MEGABYTE // 2), 0),
        ("a-" * (MEGABYTE // 2), 0),
        ("ab:" * (MEGABYTE // 3), 0),
        (":" * MEGABYTE, 0),
        ("." * MEGABYTE, 0),
        ("[.]" * (MEGABYTE // 3), 0),
        ("a@" * (MEGABYTE // 2), 0),
        ("http://" * (MEGABYTE // 7), 0),
        ("hxxp[://]a[.]" * (MEGABYTE // 13), 0),
        ("http://evil.com/" + "(" * MEGABYTE, 2),
        ("http://evil.com/" + ")" * MEGABYTE, 2),
        ("https://" + "a" * MEGABYTE, 0),
        ("CVE-2021-" * (MEGABYTE // 9), 0),
        ("a" + ".B" * (MEGABYTE // 2), 0),
        ("T1234." * (MEGABYTE // 6), 1),
    ],
    ids=lambda value: value[:12] if isinstance(value, str) else str(value),
)
def test_a_megabyte_of_adversarial_text_is_scanned(text: str, count: int):
    assert len(find_indicators(text)) == count


def test_a_megabyte_of_random_indicator_characters_is_scanned():
    rng = random.Random(3)
    text = "".join(rng.choice("0123456789abcdef.:-[]() @") for _ in range(MEGABYTE))
    assert_well_formed(text, find_indicators(text))


def test_a_long_article_is_scanned_whole():
    text = (ESPIONAGE + f" Beacon 185.220.101.{4}. ") * 300
    assert found(text) == [("ip", "185.220.101.4")] * 300


# --- normalising what a user types ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "typed", "value"),
    [
        ("cve", "cve-2021-44228", "CVE-2021-44228"),
        ("cve", " CVE-2023-23397 ", "CVE-2023-23397"),
        ("ip", "185.220.101[.]4", "185.220.101.4"),
        ("ip", "2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("ip", "[2001:db8::1]", "2001:db8::1"),
        ("domain", "EVIL[.]com", "evil.com"),
        ("domain", "www.BBC.co.uk.", "www.bbc.co.uk"),
        ("domain", "evil.zip", "evil.zip"),  # the kind is given: no file name
        ("domain", "Amazon.Com", "amazon.com"),
        ("url", "hxxp://evil[.]com/a", "http://evil.com/a"),
        ("url", "HTTPS://Evil.com/A.", "https://evil.com/A"),
        ("email", "Name[at]Evil.com", "name@evil.com"),
        ("email", "ops@evil.zip", "ops@evil.zip"),
        ("hash", MD5.upper(), MD5),
        ("hash", SHA256, SHA256),
        ("technique", "t1059", "T1059"),
        ("technique", "T1059.001", "T1059.001"),
        ("technique", "T1059/001", "T1059.001"),
        ("crypto", ETHEREUM, ETHEREUM.lower()),
        ("crypto", GENESIS, GENESIS),
        (
            "crypto",
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ),
    ],
)
def test_a_typed_indicator_is_normalised(kind: str, typed: str, value: str):
    assert normalise(kind, typed) == value


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        ("cve", "CVE-2021-442"),
        ("cve", "2021-44228"),
        ("ip", "999.1.1.1"),
        ("ip", "1.2.3"),
        ("ip", "01.2.3.4"),
        ("ip", "10:30:00"),
        ("ip", "evil.com"),
        ("domain", "report.pdf"),
        ("domain", "co.uk"),
        ("domain", "-evil.com"),
        ("domain", "evil"),
        ("domain", "evil.com/a"),
        ("domain", "1.2.3.4"),
        ("url", "evil.com/a"),
        ("url", "http://localhost/a"),
        ("url", "http://evil.com/a b"),
        ("email", "bob@localhost"),
        ("email", "bob"),
        ("email", ".bob@evil.com"),
        ("hash", "abc"),
        ("hash", SHA256[:33]),
        ("technique", "T123"),
        ("technique", "T0800"),
        ("crypto", GENESIS[:-1] + "b"),
        ("crypto", "hello"),
        ("ip", ""),
        ("domain", "   "),
    ],
)
def test_an_invalid_typed_indicator_is_none(kind: str, typed: str):
    assert normalise(kind, typed) is None


def test_an_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="kind"):
        normalise("phone", "+44 20 7946 0958")


def test_every_indicator_found_normalises_to_itself():
    for indicator in find_indicators(REPORT):
        assert normalise(indicator.kind, REPORT[indicator.start : indicator.end]) == (
            indicator.value
        )


# --- the gold set's labels -----------------------------------------------------------------


def test_the_gold_sets_labels_are_normalised_indicators():
    passages = tomllib.loads(GOLD.read_text(encoding="utf-8"))["passage"]
    assert len(passages) >= 30
    for passage in passages:
        for label in passage["indicators"]:
            kind, _, value = label.partition(":")
            assert normalise(kind, value) == value, label
