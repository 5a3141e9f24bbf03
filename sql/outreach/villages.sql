-- The villages of the commune in outreach_commune_people (sql/outreach/commune_people.sql).
select distinct village from outreach_commune_people
order by village
