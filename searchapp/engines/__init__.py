"""The index behind a one-way boundary: the protocols and the neutral query tree every engine
implements (:mod:`.base`, :mod:`.query`), opened by name (:mod:`.registry`); Whoosh in
:mod:`.whoosh`, Xapian in :mod:`.xapian`. Nothing here imports search, web or the CLI."""
