"""The Whoosh engine: schema, storage, writer, searcher, and the fast scoring paths over its
posting arrays. The only package that imports Whoosh."""
