-- The delivery journal's sends not finished (state 'sending'), indexed on their own: every
-- /metrics scrape counts them and finds the oldest (dlpgate_journal_sending and
-- dlpgate_journal_oldest_sending_seconds), which read the whole journal (40-60 ms at
-- 700,000 rows) where only a handful are ever being sent. A row enters the index when its
-- send begins and leaves it at the next hop's answer.
CREATE INDEX deliveries_sending ON deliveries (updated) WHERE state = 'sending'
