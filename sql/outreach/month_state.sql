-- What the outreach command needs to know of one month before it reads anything personal: whether its
-- register and roll are stored, with the fingerprints of the keys they were made with, and whether
-- the commune ($commune_code) is a commune of the month's vintage (its name), and how many of its
-- residents the register holds.
select
    (
        select keys.key_fingerprint from staging.resident_month_keys as keys
        where keys.partition_key = $partition_key
    ) as register_key,
    (
        select keys.key_fingerprint from staging.roll_month_keys as keys
        where keys.partition_key = $partition_key
    ) as roll_key,
    (
        select units.name from ref.admin_units as units
        where
            units.level = 'commune'
            and units.code = $commune_code
            and units.vintage = (
                select max(vintages.vintage) from ref.admin_units as vintages
                where vintages.vintage <= $period
            )
    ) as commune_name,
    (
        select count(*) from staging.residents as residents
        where residents.period = $period and residents.commune_code = $commune_code
    ) as residents
