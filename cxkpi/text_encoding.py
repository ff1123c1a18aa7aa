"""Which encoding a text file is written in, decided from every byte of it, line by line where lines differ.

Exports arrive as UTF-8, or in a Windows or DOS code page: 1252 for Western European languages,
1251 for Cyrillic, 850 from old tills and DOS programs. A file can mix them: a store survey typed on
different tills, an export that is UTF-8 for a year and Windows-1252 after a system change. So:

1. a file whose every byte is valid UTF-8 is UTF-8 (most files; checked at C speed, chunk by chunk);
2. otherwise each line with bytes above 127 is looked at: a line that is valid UTF-8 is UTF-8; the
   others are in a code page, the file's script deciding which: Cyrillic is written in runs of
   bytes 0xC0-0xFF (whole words), Western text uses them alone for accents inside ASCII words;
3. a Western line that reads oddly in Windows-1252 (a byte it leaves undefined, a symbol inside a
   word: "r‚ponse", a capital after a small letter: "TrŠs") and less oddly in CP850 ("réponse",
   "Très") is read as CP850; a Cyrillic file's line whose letters would sit inside ASCII words
   ("cafй") is read as Windows-1252. Latin text is never turned into Cyrillic: a line of a Western
   file is never read as Windows-1251.

The load says what it found: one encoding, or "mixed by line" with how many lines each, and any
bytes the chosen encoding does not define (read as U+FFFD, with their lines).
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cxkpi import reasons

CHUNK = 8 << 20
LINES_NAMED = 5
WESTERN, CYRILLIC, DOS_LATIN = "cp1252", "cp1251", "cp850"
# The bytes a code page leaves undefined (CP850 defines all 256).
UNDEFINED = {WESTERN: re.compile(rb"[\x81\x8d\x8f\x90\x9d]"), CYRILLIC: re.compile(rb"\x98")}
HIGH = re.compile(rb"[\x80-\xff]")
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
# Lines worth a closer look, by the file's code page: in a Western file a byte 0x80-0x9F (punctuation
# or undefined in 1252, letters in CP850), a symbol between two ASCII letters, or a capital after a
# small letter; in a Cyrillic file a letter touching an ASCII letter (a Latin word with an accent).
SUSPICIOUS = {
    WESTERN: re.compile(rb"[\x80-\x9f]|[A-Za-z][\xa0-\xbf][A-Za-z]|[a-z][\xc0-\xde]"),
    CYRILLIC: re.compile(rb"[A-Za-z][\xc0-\xff]|[\xc0-\xff][A-Za-z]|\x98"),
}
CANDIDATES = {WESTERN: (WESTERN, DOS_LATIN), CYRILLIC: (CYRILLIC, WESTERN, DOS_LATIN)}


@dataclass(frozen=True)
class TextEncoding:
    """How to decode a file: one codec, or line by line ('mixed')."""

    name: str  # 'utf-8', 'utf-8-sig', 'utf-16', 'cp1252', 'cp1251', 'cp850', a stated codec, or 'mixed'
    code_page: str = WESTERN  # the code page of lines that are not UTF-8 (unless one reads better in another)
    lines: dict[str, int] = field(default_factory=dict)  # mixed files: lines with bytes above 127, per encoding
    first_lines: dict[str, tuple[int, ...]] = field(default_factory=dict)  # the first few of them
    inexact_bytes: int = 0  # bytes the encoding chosen for their line does not define: read as U+FFFD
    inexact_lines: tuple[int, ...] = ()
    stated: bool = False  # a mapping said so: decoded strictly

    @property
    def needs_conversion(self) -> bool:
        """DuckDB reads UTF-8 only; anything else is read from a UTF-8 copy."""
        return self.name not in ("utf-8", "utf-8-sig")

    @property
    def per_line(self) -> bool:
        return self.name == "mixed"

    def describe(self) -> str:
        if not self.per_line:
            text = self.name
        else:
            parts = []
            for encoding, count in sorted(self.lines.items(), key=lambda item: -item[1]):
                first = self.first_lines.get(encoding, ())
                where = f", first line {first[0]:,}" if first else ""
                parts.append(f"{encoding} on {count:,} line{'s' * (count != 1)}{where}")
            text = f"mixed encodings read line by line ({'; '.join(parts)})"
        if self.inexact_bytes:
            lines = ", ".join(f"{line:,}" for line in self.inexact_lines[:LINES_NAMED])
            more = ", ..." if len(self.inexact_lines) > LINES_NAMED else ""
            text += (f"; {self.inexact_bytes} byte{'s' * (self.inexact_bytes != 1)} not decodable exactly, "
                     f"read as \ufffd (line{'s' * (len(self.inexact_lines) != 1)} {lines}{more})")
        return text

    def decode_line(self, line: bytes) -> str:
        """One line of a mixed file (lines never split a character in the encodings mixed)."""
        if line.isascii():
            return line.decode("ascii")
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError:
            return line.decode(line_code_page(line, self.code_page), errors="replace")


def scan(path: Path) -> TextEncoding:
    """The encoding of a file without a byte-order mark, from all of its bytes."""
    if _all_utf8(path):
        return TextEncoding("utf-8")
    code_page = _code_page(path)
    tally = _Tally()
    look_closer = SUSPICIOUS[code_page]
    for first_line, chunk in _chunks(path):
        if chunk.isascii():
            continue
        if UTF8_SEQUENCE.search(chunk):  # UTF-8 lines and code-page lines: each line decides
            for number, line in _lines_with(HIGH, chunk, first_line):
                tally.add(number, line, "utf-8" if _is_utf8(line) else line_code_page(line, code_page))
            continue
        # Code page throughout (the usual non-UTF-8 file): only the lines worth a closer look are read
        # one by one; the rest are counted at C speed.
        chosen = set()
        for number, line in _lines_with(look_closer, chunk, first_line):
            tally.add(number, line, line_code_page(line, code_page))
            chosen.add(number)
        ordinary = len(NON_ASCII_LINE.findall(chunk)) - len(chosen)
        tally.count(code_page, ordinary, _first_ordinary(chunk, first_line, chosen))
    name = "mixed" if len(tally.lines) > 1 else next(iter(tally.lines), code_page)
    mixed = name == "mixed"
    return TextEncoding(
        name=name, code_page=code_page, lines=dict(tally.lines) if mixed else {},
        first_lines={key: tuple(sorted(value)[:LINES_NAMED]) for key, value in tally.first.items()} if mixed else {},
        inexact_bytes=tally.inexact_bytes, inexact_lines=tuple(sorted(tally.inexact_lines)),
    )


NON_ASCII_LINE = re.compile(rb"^[^\n]*?[\x80-\xff]", re.MULTILINE)


@dataclass
class _Tally:
    lines: dict[str, int] = field(default_factory=dict)
    first: dict[str, list[int]] = field(default_factory=dict)
    inexact_bytes: int = 0
    inexact_lines: list[int] = field(default_factory=list)

    def add(self, number: int, line: bytes, encoding: str) -> None:
        self.count(encoding, 1, [number])
        undefined = len(UNDEFINED[encoding].findall(line)) if encoding in UNDEFINED else 0
        if undefined:
            self.inexact_bytes += undefined
            self.inexact_lines.append(number)

    def count(self, encoding: str, lines: int, numbers: list[int]) -> None:
        if lines <= 0:
            return
        self.lines[encoding] = self.lines.get(encoding, 0) + lines
        first = self.first.setdefault(encoding, [])
        if numbers and (len(first) < LINES_NAMED or numbers[0] < first[-1]):
            first.extend(numbers[:LINES_NAMED])
            first.sort()
            del first[LINES_NAMED:]


def _first_ordinary(chunk: bytes, first_line: int, chosen: set[int]) -> list[int]:
    """The first few lines of a chunk with bytes above 127 that were not looked at one by one."""
    found = []
    for number, _ in _lines_with(HIGH, chunk, first_line):
        if number not in chosen:
            found.append(number)
            if len(found) == LINES_NAMED:
                break
    return found


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def stated(name: str) -> TextEncoding:
    return TextEncoding(name=codecs.lookup(name).name, stated=True)


def line_code_page(line: bytes, code_page: str) -> str:
    """The code page a line that is not UTF-8 reads best in: the file's own, unless the line reads
    oddly in it and less oddly in another (never Cyrillic for a line of a Western file)."""
    if not SUSPICIOUS[code_page].search(line):
        return code_page
    # A byte Windows-1252 leaves undefined is a letter in CP850 (0x90 = É): in a Western file it is a
    # sign of CP850. In a Cyrillic file 0x98 is just undefined, and reported as such.
    count_undefined = code_page == WESTERN
    oddities = {encoding: _oddities(line.decode(encoding, errors="replace"), count_undefined)
                for encoding in CANDIDATES[code_page]}
    if oddities[code_page] == 0:
        return code_page
    return min(CANDIDATES[code_page], key=lambda encoding: (oddities[encoding], encoding != code_page))


def _oddities(text: str, count_undefined: bool) -> int:
    """How oddly a decoded line reads: a character the code page does not define, a symbol between two
    letters ("r‚ponse"), a capital after a small letter ("TrŠs", "cafÚ"), a letter of another script
    inside a word ("cafй"). An apostrophe between letters is ordinary ("l’été")."""
    odd = 0
    for index, character in enumerate(text):
        if character.isascii():
            continue
        if character == "\ufffd":
            odd += count_undefined
            continue
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        if character.isalpha():
            capital_after_small = character.isupper() and before.isalpha() and before.islower()
            odd += capital_after_small or any(_other_script(character, neighbour) for neighbour in (before, after))
        elif character not in "\u2019'" and _in_word(before) and _in_word(after):
            odd += 1
    return odd


def _in_word(character: str) -> bool:
    """A letter, or a character above ASCII that is not a space (an accent another code page would make a letter)."""
    return character.isalpha() or not (character.isascii() or character.isspace())


def _other_script(character: str, neighbour: str) -> bool:
    return neighbour.isalpha() and _script(character) != _script(neighbour)


def _script(character: str) -> str:
    return "LATIN" if character.isascii() else unicodedata.name(character, "?").split(" ")[0]


def _all_utf8(path: Path) -> bool:
    """True when every byte is valid UTF-8: ASCII chunks are checked at C speed, the others decoded
    (incrementally: a character may straddle two chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as raw:
        try:
            while chunk := raw.read(CHUNK):
                if chunk.isascii() and not decoder.getstate()[0]:
                    continue
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _code_page(path: Path) -> str:
    """Windows-1251 or 1252 for the file's lines that are not UTF-8: Cyrillic letters come in runs of
    bytes 0xC0-0xFF (whole words), Western accents mostly alone ("café", "Müller", "ação")."""
    letters = in_long_runs = 0
    for first_line, chunk in _chunks(path):
        if chunk.isascii():
            continue
        if UTF8_SEQUENCE.search(chunk):
            parts = [line for _, line in _lines_with(HIGH, chunk, first_line) if not _is_utf8(line)]
        else:
            parts = [chunk]
        for part in parts:
            for run in LETTER_RUN.findall(part):
                letters += len(run)
                in_long_runs += len(run) if len(run) >= 3 else 0
    return CYRILLIC if letters and in_long_runs / letters > 0.5 else WESTERN


LETTER_RUN = re.compile(rb"[\xc0-\xff]+")


def _chunks(path: Path) -> Iterator[tuple[int, bytes]]:
    """(number of the chunk's first line, chunk) over the file, each chunk ending at a line end."""
    line = 1
    with path.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            chunk += raw.readline()
            yield line, chunk
            line += chunk.count(b"\n")


def _lines_with(pattern: re.Pattern[bytes], chunk: bytes, first_line: int) -> Iterator[tuple[int, bytes]]:
    """(line number, line) for every line of the chunk in which pattern is found, each line once."""
    position, line, counted_to = 0, first_line, 0
    while found := pattern.search(chunk, position):
        start = chunk.rfind(b"\n", 0, found.start()) + 1
        end = chunk.find(b"\n", found.start())
        end = len(chunk) if end < 0 else end
        line += chunk.count(b"\n", counted_to, start)
        counted_to = start
        yield line, chunk[start:end].rstrip(b"\r")
        position = end


def read_sample(path: Path, encoding: TextEncoding, size: int) -> tuple[str, bool]:
    """The file's first `size` bytes as text, whole lines only, and whether that is all of it."""
    with path.open("rb") as raw:
        head = raw.read(size)
        complete = not raw.read(1)
    if encoding.per_line:
        lines = head.splitlines(keepends=True)
        if not complete and lines:
            lines.pop()  # cut mid-line
        return "".join(encoding.decode_line(line) for line in lines), complete
    decoder = codecs.getincrementaldecoder(encoding.name)(errors="replace")
    text = decoder.decode(head, final=complete)
    if not complete:
        text = text[: text.rfind("\n") + 1] or text
    return text, complete


class UndecodableError(ValueError):
    """A byte the stated encoding cannot read."""

    def __init__(self, encoding: str, line: int, reason: str) -> None:
        super().__init__(reasons.NOT_VALID_TEXT.format(encoding=encoding, cause=reason, line=line))
        self.encoding, self.reason, self.line = encoding, reason, line


def write_utf8_copy(
    path: Path, encoding: TextEncoding, destination: Path, transform: Callable[[str, int], str] | None = None,
) -> None:
    """Decode path and write it as UTF-8, streaming (files can be large). transform(line, number), when
    given, rewrites each line (a space-aligned export into tab-separated fields). A stated encoding is
    decoded strictly: a byte it cannot read raises UndecodableError naming its line."""
    errors = "strict" if encoding.stated else "replace"
    with destination.open("w", encoding="utf-8", newline="") as target:
        if encoding.per_line:
            with path.open("rb") as raw:
                for number, line in enumerate(raw, start=1):
                    text = encoding.decode_line(line)
                    target.write(transform(text, number) if transform else text)
            return
        if transform is None:
            decoder = codecs.getincrementaldecoder(encoding.name)(errors=errors)
            read = 0
            with path.open("rb") as source:
                while chunk := source.read(CHUNK):
                    try:
                        target.write(decoder.decode(chunk))
                    except UnicodeDecodeError as error:
                        line = _line_of(path, read + error.start)
                        raise UndecodableError(encoding.name, line, error.reason) from error
                    read += len(chunk)
                target.write(decoder.decode(b"", final=True))
            return
        number = 0
        try:
            with io.TextIOWrapper(path.open("rb"), encoding=encoding.name, errors=errors, newline="") as source:
                for number, line in enumerate(source, start=1):
                    target.write(transform(line, number))
        except UnicodeDecodeError as error:
            raise UndecodableError(encoding.name, number + 1, error.reason) from error


def _line_of(path: Path, byte_offset: int) -> int:
    with path.open("rb") as raw:
        return raw.read(byte_offset).count(b"\n") + 1
