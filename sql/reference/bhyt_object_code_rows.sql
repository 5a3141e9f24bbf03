-- The rows of ref.bhyt_object_codes: each object code with its group (see bhyt_object_codes.sql).
select
    codes.code,
    groups.group_no,
    groups.group_name
from (
    values
    (1, 'employer and employee', ['DN', 'HX', 'CH', 'NN', 'TK', 'HC', 'XK']),
    (2, 'the social-insurance agency', ['HT', 'TB', 'NO', 'CT', 'XB', 'TN', 'CS']),
    (
        3, 'the state budget',
        [
            'QN', 'CA', 'CY', 'XN', 'MS', 'CC', 'CK', 'CB', 'KC', 'HD', 'TE', 'BT', 'HN', 'DT', 'DK', 'XD',
            'TS', 'TC', 'TQ', 'TA', 'TY', 'HG', 'LS', 'PV', 'ND', 'TG', 'AK'
        ]
    ),
    (4, 'state budget subsidises part', ['CN', 'HS', 'SV', 'GB']),
    (5, 'household', ['GD'])
) as groups (group_no, group_name, codes)
cross join unnest(groups.codes) as codes (code)
