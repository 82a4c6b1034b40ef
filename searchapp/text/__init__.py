"""The text layer: what an article is, how its words are analysed (NLTK), and the gazetteer
that tags it. Everything above builds on these values; nothing here knows of an index."""
