-- The BHYT object codes of the reference: the value set the suites check object codes against.
select code from ref.bhyt_object_codes
order by code
