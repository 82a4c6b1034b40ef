"""Reading the articles folder: finding files, one reader per format, the catalog of what a
reindex has read, and the sample collections."""
