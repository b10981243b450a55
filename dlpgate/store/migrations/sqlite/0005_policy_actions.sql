-- Policies (issue 5): the action chosen (confirm and delay are kinds of hold), rules
-- that matched in shadow mode, and for held mail every match with its reasons.
ALTER TABLE decisions ADD COLUMN action TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN shadow_rules TEXT NOT NULL DEFAULT '[]';
ALTER TABLE quarantine ADD COLUMN action TEXT NOT NULL DEFAULT 'hold';
ALTER TABLE quarantine ADD COLUMN matches TEXT NOT NULL DEFAULT '[]';
ALTER TABLE quarantine ADD COLUMN policy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN delay_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quarantine ADD COLUMN notify TEXT NOT NULL DEFAULT '[]'
