-- Catches: unit names that are empty or not in Unicode NFC (decomposed Vietnamese would make the same
-- name compare unequal to itself in joins and filters).
select
    vintage,
    level,
    code,
    name
from ref.admin_units
where
    name is null
    or trim(name) = ''
    or name != nfc_normalize(name)
order by vintage, code
