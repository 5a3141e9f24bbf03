-- ref.bhyt_object_codes: the two-letter BHYT object codes and the five participant groups of the Law
-- on Health Insurance (domain guide). ND, TG and AK were added in 2023; the guide gives no group for
-- them, and we place them in group 3 (state budget) as the budget-funded additions of that year.
-- No key or CHECK constraint (a DuckLake table can have neither, docs/deployment.md): the rows are a
-- fixed list (bhyt_object_code_rows.sql), whose unique codes and groups 1-5 a test checks.
create schema if not exists ref;

create or replace table ref.bhyt_object_codes (
    code varchar not null,
    group_no integer not null,
    group_name varchar not null
);

-- Comments are single string literals: long lines are expected here.
-- noqa: disable=LT05
comment on table ref.bhyt_object_codes is 'BHYT object codes (mã đối tượng) and the participant group (1-5) of the Law on Health Insurance each belongs to. ND, TG, AK (added 2023) are placed in group 3 by assumption.';
comment on column ref.bhyt_object_codes.code is 'Two-letter object code printed on the card (e.g. GD household, TE child under 6, HS pupil).';
comment on column ref.bhyt_object_codes.group_no is '1 employer and employee, 2 social-insurance agency, 3 state budget, 4 state budget subsidises part, 5 household.';
comment on column ref.bhyt_object_codes.group_name is 'Who pays the contribution for this group.';
