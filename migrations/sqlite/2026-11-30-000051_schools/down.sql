DROP TABLE school_entries;
DROP TABLE school_links;
