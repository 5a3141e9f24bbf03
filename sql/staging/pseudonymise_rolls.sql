-- Append one normalised roll file (registered as roll_batch) to staging.roll_rows_pending,
-- replacing person_id by person_key = the first 128 bits of HMAC-SHA-256(key, person_id), computed
-- here, vectorised (RFC 2104: H((K xor opad) || H((K xor ipad) || m)); the padded keys are bound,
-- never written in SQL). The raw identifier is not stored anywhere.
insert into staging.roll_rows_pending
with hashed as (
    select
        *,
        sha256($hmac_outer || unhex(sha256($hmac_inner || encode(person_id)))) as digest
    from roll_batch
)

select
    source_file,
    source_row,
    case
        when person_id is not null
            then
                (('0x' || substr(digest, 1, 16))::ubigint::uhugeint << 64)
                | ('0x' || substr(digest, 17, 16))::ubigint
    end as person_key,
    scheme,
    commune_code,
    sex_raw,
    sex,
    birth_year_raw,
    birth_year,
    bhyt_object_code,
    valid_from_raw,
    valid_from,
    valid_to_raw,
    valid_to,
    vintage_raw,
    vintage_declared
from hashed;
