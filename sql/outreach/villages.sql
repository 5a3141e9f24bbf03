-- The villages of the commune in outreach_people (sql/intermediate/int_outreach_people.sql).
select distinct village from outreach_people
order by village
