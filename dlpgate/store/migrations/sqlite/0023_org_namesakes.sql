-- Colleagues' namesakes (issue 4, trial `orgnamesake`): what went to an address from anyone
-- here, and with whom, asked across senders. Content profiles by word and recipient (the
-- primary key starts with the sender), and co-recipient pairs by the pair. The names each
-- known address is filed under (its first name and its surname at its domain) go into
-- `spellings` as new addresses are learned; addresses learned before are filed by the next
-- migration (store/namefiling.py).
CREATE INDEX profiles_token_recipient ON profiles (token, recipient);
CREATE INDEX groups_pair ON groups (a, b)
