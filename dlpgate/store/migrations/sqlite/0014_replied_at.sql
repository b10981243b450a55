-- When they last wrote to us (unix time), beside `replied`: history retention keeps a pair
-- while either side is writing, not only while we are. Rows from before this column have
-- NULL and age out by `last_seen`, as they did.
ALTER TABLE correspondence ADD COLUMN replied_at REAL
