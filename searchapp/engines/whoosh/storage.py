"""The Whoosh index's files: opening it with the schema from code, the version file that
says what built it, and the vocabulary index of unstemmed words beside it."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.writing import CLEAR

from ...errors import IndexMissing, IndexOutdated
from ..base import index_version
from .schema import SCHEMA, VOCABULARY_SCHEMA

# The distinct unstemmed words of the indexed articles (see analysis.vocabulary), kept in a
# small index of their own beside the main one: "did you mean" and prefix*/wild?card/fuzzy~
# expansion read its lexicon. Each run adds one document per writer holding the words it
# indexed, instead of a posting per word per article, which had doubled the postings.
VOCABULARY_DIR = "vocabulary"
# Records which SCHEMA_VERSION and gazetteer built the index; written after each commit.
VERSION_FILE = "searchapp-schema-version"


def index_exists(index_dir: Path) -> bool:
    return Path(index_dir).is_dir() and whoosh_index.exists_in(str(index_dir))


def _version_file(index_dir: Path) -> Path:
    return Path(index_dir) / VERSION_FILE


def built_by(index_dir: Path) -> str | None:
    try:
        return _version_file(index_dir).read_text().strip()
    except OSError:
        return None


def mark_current(index_dir: Path, version: str) -> None:
    if built_by(index_dir) == version:
        return
    # Replaced, never rewritten in place: a server starting meanwhile, or a kill between the
    # truncation and the write, would see an empty file and refuse the good index.
    path = _version_file(index_dir)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(f"{version}\n")
    os.replace(temporary, path)


def open_index(index_dir: Path, *, mmap: bool = True) -> whoosh_index.FileIndex:
    """Open the index with the schema from code (never the pickled one). Without ``mmap``
    files are read, not mapped: a server's threads each open their own readers, and each
    mapping of the index would count again in the process's memory."""
    if not index_exists(index_dir):
        raise IndexMissing(f"No index in {index_dir}: run `searchapp reindex` to build it.")
    if built_by(index_dir) != index_version():
        raise IndexOutdated(
            f"The index in {index_dir} was built by another version of searchapp or its tag "
            "list: run `searchapp reindex` to rebuild it."
        )
    return FileStorage(str(index_dir), supports_mmap=mmap).open_index(schema=SCHEMA)


def open_vocabulary(index_dir: Path) -> whoosh_index.FileIndex:
    """The vocabulary index beside the index in ``index_dir`` (see :data:`VOCABULARY_DIR`)."""
    storage = FileStorage(str(Path(index_dir) / VOCABULARY_DIR))
    return storage.open_index(schema=VOCABULARY_SCHEMA)


class _SharedInMemoryStorage(FileStorage):
    """Index files read into memory once and shared by every reader of the storage, each
    reading its own ``BytesIO`` over the same bytes (which ``BytesIO`` does not copy).

    For the vocabulary of a server: spelling suggestions walk its word list with tens of
    thousands of small reads, 5x faster from memory than through file reads, while mapping it
    once per server thread would count it once per thread. Whoosh never rewrites a file under
    the same name, so contents are kept by name; those of files deleted since are let go.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False)
        self._contents: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def open_file(self, name: str, **kwargs) -> StructFile:
        with self._lock:
            data = self._contents.get(name)
            if data is None:
                with open(os.path.join(self.folder, name), "rb") as f:
                    data = f.read()
                if name.endswith(".toc"):  # a new generation: forget files merged away
                    present = set(self.list())
                    for gone in set(self._contents) - present:
                        del self._contents[gone]
                self._contents[name] = data
        return StructFile(io.BytesIO(data), name=name, **kwargs)


def open_vocabulary_in_memory(index_dir: Path) -> whoosh_index.FileIndex:
    """The vocabulary index, its files read once into memory for all readers."""
    storage = _SharedInMemoryStorage(str(Path(index_dir) / VOCABULARY_DIR))
    return storage.open_index(schema=VOCABULARY_SCHEMA)


def add_vocabulary(index_dir: Path, vocabularies: list[set[str]], full: bool) -> None:
    folder = Path(index_dir) / VOCABULARY_DIR
    if whoosh_index.exists_in(str(folder)):
        ix = open_vocabulary(index_dir)  # never re-created: searchers may be opening it
    else:
        folder.mkdir(exist_ok=True)
        ix = whoosh_index.create_in(str(folder), VOCABULARY_SCHEMA)
    writer = ix.writer()
    for words in vocabularies:
        if words:
            writer.add_document(vocab=" ".join(sorted(words)))
    # A full reindex drops the words of articles that are gone; incremental runs only add.
    writer.commit(mergetype=CLEAR if full else None)
