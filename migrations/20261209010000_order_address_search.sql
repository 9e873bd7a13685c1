-- The orders' search for a piece of an address around its '@' ("osoba4242@",
-- "ana@etf", "@etf.bg.ac.rs"; issue 16 §2): such a piece lies inside one address,
-- whose local part ends with what stands before the '@' and whose domain starts with
-- what stands after it. Reversed, "ends with" is "starts with", which a B-tree
-- answers as a range (text_pattern_ops, so LIKE 'prefix%' is one range whatever the
-- collation); the domain's start narrows the same range. The trigram index could not:
-- the pieces of such a term are trigrams nearly every address shares. The order's id
-- is in the index so the match needs no visit to the table.
CREATE INDEX order_emails_local_end_idx ON order_emails
    (reverse(split_part(email, '@', 1)) text_pattern_ops,
     split_part(email, '@', 2) text_pattern_ops)
    INCLUDE (order_id);
