-- The DSN options (RFC 3461) a held message came with, to leave with when it is released: a
-- sender's delivery receipt (NOTIFY=SUCCESS), NOTIFY=NEVER, RET and ENVID, and each
-- recipient's ORCPT. JSON {"mail": ["RET=HDRS", ...], "rcpt": [["NOTIFY=...", ...], ...]},
-- the recipients in the order of rcpt_tos; '' for none, as every row held before this has.
ALTER TABLE quarantine ADD COLUMN dsn TEXT NOT NULL DEFAULT ''
