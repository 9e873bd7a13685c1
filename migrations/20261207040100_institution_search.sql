-- The staff institution search (issue 16 §2). Its four ILIKEs per institution cost about
-- 4 µs a row, so a search of 5,000 institutions took some 20 ms whatever its plan. The
-- names it matches are kept here once, lower-cased, joined by a character nobody types
-- (so a term never matches across two of them), and searched with one LIKE; the trigram
-- index finds a term with rare trigrams (a number, a slug) without reading the table.
-- db::institutions::staff_list runs a statement of its own when a term is given, so its
-- plan is made for a term.
ALTER TABLE institutions ADD COLUMN search_text text GENERATED ALWAYS AS (
    lower(name_sr || chr(31) || name_en || chr(31) || short_name || chr(31) || slug)
) STORED;
CREATE INDEX institutions_search_idx ON institutions USING gin (search_text gin_trgm_ops);
