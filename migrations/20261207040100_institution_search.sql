-- The staff institution search (issue 16 §2): a trigram index on each field the search
-- matches, so a search term finds its few institutions by a bitmap of index scans
-- instead of testing every institution's four names (db::institutions::staff_list runs
-- a statement of its own when a term is given, so the plan can use these).
CREATE INDEX institutions_name_sr_trgm_idx ON institutions USING gin (name_sr gin_trgm_ops);
CREATE INDEX institutions_name_en_trgm_idx ON institutions USING gin (name_en gin_trgm_ops);
CREATE INDEX institutions_short_name_trgm_idx ON institutions USING gin (short_name gin_trgm_ops);
CREATE INDEX institutions_slug_trgm_idx ON institutions USING gin (slug gin_trgm_ops);
