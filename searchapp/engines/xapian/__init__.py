"""The Xapian engine: one local database or shards on remote servers. The only package that
imports Xapian."""
