-- The fewest recipients of any message the sender has sent this recipient (NULL: not known,
-- as for pairs loaded from a CSV file): a contact met only on circulars, offered by an
-- autocomplete in place of a namesake, is `circular-only`.
ALTER TABLE correspondence ADD COLUMN smallest INTEGER;
