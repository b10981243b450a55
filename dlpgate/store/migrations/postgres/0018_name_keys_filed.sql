-- Colleagues' namesakes on an upgraded store (issue 4). 0017 filed name keys only as
-- addresses were learned after it, so the contacts everyone here wrote to before the upgrade
-- (the school's safeguarding lead the team wrote to every week last year: the namesakes the
-- signal exists for) had none until someone wrote to them again, and colleagues-namesake
-- was silent about them. This migration's step, in Python (store/namefiling.py, run by
-- _migrate in this migration's transaction), files every address written to under its
-- first name and its surname at its domain, as `learn` files a new one, a batch at a time;
-- nothing to do on a new store. The statement below only marks the version.
SELECT 1
