-- The published marts (marts contract). Periods are replaced one at a time, so tables are created
-- only when missing. No primary keys: DuckDB's index makes deleting a period slow, and the grain is
-- guaranteed by construction (and guarded by the reconciliation checks).
create schema if not exists marts;

create table if not exists marts.coverage (
    period date not null,
    year integer not null,
    boundary varchar not null,
    vintage date not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar,
    province_code varchar,
    province_name varchar,
    indicator varchar not null,
    participants bigint not null,
    denominator bigint,
    denominator_kind varchar not null,
    coverage_pct double,
    target_pct double,
    gap_pp double,
    persons_to_target bigint,
    target_met boolean,
    source varchar not null,
    approximate boolean not null,
    coverage_above_100 boolean
);

create table if not exists marts.plan_attainment (
    year integer not null,
    period date not null,
    boundary varchar not null,
    vintage date not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar,
    scheme varchar not null,
    bhyt_object_code varchar,
    new_participants bigint,
    planned_new bigint,
    attainment_pct double,
    approximate boolean not null
);

create table if not exists marts.bhyt_groups (
    period date not null,
    boundary varchar not null,
    vintage date not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar,
    group_no integer not null,
    object_code varchar not null,
    participants bigint not null,
    approximate boolean not null
);

create table if not exists marts.retention (
    period date not null,
    boundary varchar not null,
    vintage date not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar,
    scheme varchar not null,
    continuing bigint not null,
    new bigint not null,
    stopped bigint not null,
    due_next_month bigint not null,
    approximate boolean not null
);

create table if not exists marts.completeness (
    period date not null,
    year integer not null,
    boundary varchar not null,
    vintage date not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar,
    parent_code varchar,
    province_code varchar,
    province_name varchar,
    indicator varchar not null,
    delivered varchar not null,
    sub_units bigint not null,
    sub_units_delivered bigint not null,
    sub_units_missing bigint not null,
    communes bigint not null,
    communes_delivered bigint not null
);

create table if not exists marts.projection (
    period date not null,
    year integer not null,
    month integer not null,
    boundary varchar not null,
    vintage date not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar,
    province_code varchar,
    province_name varchar,
    indicator varchar not null,
    participants bigint not null,
    denominator bigint,
    coverage_pct double,
    target_pct double,
    persons_to_target bigint,
    pace_basis varchar,
    pace_per_month double,
    pace_12_months double,
    pace_since_january double,
    months_remaining integer not null,
    projected_participants bigint,
    projected_coverage_pct double,
    projected_target_met boolean,
    needed_per_month bigint,
    approximate boolean not null
);

create table if not exists marts.outreach (
    period date not null,
    boundary varchar not null,
    vintage date not null,
    level varchar not null,
    province_code varchar,
    province_name varchar,
    unit_code varchar not null,
    unit_name varchar,
    village varchar,
    residents bigint not null,
    working_age_residents bigint not null,
    residents_without_bhyt bigint not null,
    working_age_without_bhxh bigint not null,
    bhyt_lapsed_3m bigint not null,
    bhyt_due_next_month bigint not null,
    approximate boolean not null
);

-- Comments are single string literals: long lines are expected here.
-- noqa: disable=LT05
comment on table marts.coverage is 'Coverage of each indicator at every level and month, on the units of the period (boundary as_reported) and re-expressed on the latest units (boundary current). One row per period, boundary, level, unit_code, indicator. Rates are summed participants over summed denominators, never averaged.';
comment on column marts.coverage.period is 'Snapshot date: last day of the month.';
comment on column marts.coverage.year is 'Year of the period; denominators and targets are the figures of this year.';
comment on column marts.coverage.boundary is 'as_reported: units as they existed at period. current: re-expressed on the latest vintage through ref.admin_crosswalk.';
comment on column marts.coverage.vintage is 'Boundary vintage that unit_code belongs to (look units up by vintage and code).';
comment on column marts.coverage.level is 'nation, province, district (as_reported before 2025-07-01 only) or commune.';
comment on column marts.coverage.unit_code is 'GSO code of the unit in vintage (VN for the nation).';
comment on column marts.coverage.unit_name is 'Vietnamese name of the unit in vintage.';
comment on column marts.coverage.province_code is 'Containing province in the same vintage; NULL for the nation.';
comment on column marts.coverage.province_name is 'Name of the containing province.';
comment on column marts.coverage.indicator is 'bhxh (BHXH_BB + BHXH_TN, each person once), bhxh_bb, bhxh_tn, bhtn over the labour force; bhyt over the population.';
comment on column marts.coverage.participants is 'People active on the snapshot date (valid_from <= period <= valid_to), from the roll, or the aggregate count where no roll exists.';
comment on column marts.coverage.denominator is 'Working-age labour force or average population of the year: the unit''s own figure, else the sum of its children when every child has one, else NULL.';
comment on column marts.coverage.denominator_kind is 'labour_force (bhxh, bhxh_bb, bhxh_tn, bhtn) or population (bhyt).';
comment on column marts.coverage.coverage_pct is 'participants / denominator * 100, not rounded and never clipped (published data has units above 100%); NULL when the denominator is unknown.';
comment on column marts.coverage.target_pct is 'Target assigned to this very unit for the year and indicator; on boundary current, for a unit re-expressed from older units, the persons those units were asked to cover (their persons at target, with the crosswalk weights) over the re-expressed denominator; NULL without one (targets do not cascade between levels; a constituent without target or denominator makes it NULL).';
comment on column marts.coverage.gap_pp is 'target_pct - coverage_pct in percentage points; positive = short of the target.';
comment on column marts.coverage.persons_to_target is 'max(0, ceil(target_pct * denominator / 100) - participants): people still needed; NULL without target or denominator.';
comment on column marts.coverage.target_met is 'TRUE when participants reach ceil(target_pct * denominator / 100).';
comment on column marts.coverage.source is 'roll (person-level roll), aggregate (reported counts) or mixed (children from both).';
comment on column marts.coverage.approximate is 'TRUE when re-expression went through a partial (split) crosswalk link: the figure depends on the apportioning rule.';
comment on column marts.coverage.coverage_above_100 is 'coverage_pct > 100: shown unclipped and flagged (a WARN check lists these units).';
comment on table marts.plan_attainment is 'New participants of the year to date against the assigned plan (kế hoạch giao), per unit, scheme and (for BHYT) object code.';
comment on column marts.plan_attainment.bhyt_object_code is 'NULL = all participants of the scheme; else one BHYT object code (e.g. GD household).';
comment on column marts.plan_attainment.new_participants is 'People active at period who were not active in the scheme at the end of the previous year (December roll); NULL when that roll is missing.';
comment on column marts.plan_attainment.planned_new is 'New participants assigned to this unit for the year; NULL without a plan.';
comment on column marts.plan_attainment.attainment_pct is 'new_participants / planned_new * 100.';
comment on table marts.bhyt_groups is 'Active BHYT participants by object code and by the five groups of the Law on Health Insurance (1 employer and employee, 2 social-insurance agency, 3 state budget, 4 partly subsidised, 5 household).';
comment on table marts.retention is 'Month-on-month movement per scheme against the previous month''s snapshot: continuing (active both months), new (active now, not last month), stopped (active last month, not now, counted where they were), and due_next_month (active rows whose valid_to falls in the next month: cards and contributions to renew).';
comment on column marts.plan_attainment.year is 'Year of the plan and of the period.';
comment on column marts.plan_attainment.period is 'Snapshot date (month end) the year-to-date count is read at.';
comment on column marts.plan_attainment.boundary is 'as_reported (units of the period) or current (latest vintage).';
comment on column marts.plan_attainment.vintage is 'Boundary vintage of unit_code.';
comment on column marts.plan_attainment.level is 'nation, province, district (as_reported before 2025-07-01) or commune.';
comment on column marts.plan_attainment.unit_code is 'GSO code of the unit in vintage.';
comment on column marts.plan_attainment.unit_name is 'Vietnamese name of the unit.';
comment on column marts.plan_attainment.scheme is 'BHXH_BB, BHXH_TN, BHTN or BHYT.';
comment on column marts.plan_attainment.approximate is 'TRUE when re-expression went through a split crosswalk link.';
comment on column marts.bhyt_groups.period is 'Snapshot date (month end).';
comment on column marts.bhyt_groups.boundary is 'as_reported (units of the period) or current (latest vintage).';
comment on column marts.bhyt_groups.vintage is 'Boundary vintage of unit_code.';
comment on column marts.bhyt_groups.level is 'nation, province, district (as_reported before 2025-07-01) or commune.';
comment on column marts.bhyt_groups.unit_code is 'GSO code of the unit in vintage.';
comment on column marts.bhyt_groups.unit_name is 'Vietnamese name of the unit.';
comment on column marts.bhyt_groups.group_no is 'Group of the Law on Health Insurance: 1 employer and employee, 2 social-insurance agency, 3 state budget, 4 partly subsidised, 5 household.';
comment on column marts.bhyt_groups.object_code is 'Two-letter BHYT object code (see ref.bhyt_object_codes).';
comment on column marts.bhyt_groups.participants is 'Active BHYT cards with this object code on the snapshot date.';
comment on column marts.bhyt_groups.approximate is 'TRUE when re-expression went through a split crosswalk link.';
comment on column marts.retention.period is 'Snapshot date (month end), compared with the previous month end.';
comment on column marts.retention.boundary is 'as_reported (units of the period) or current (latest vintage).';
comment on column marts.retention.vintage is 'Boundary vintage of unit_code.';
comment on column marts.retention.level is 'nation, province, district (as_reported before 2025-07-01) or commune.';
comment on column marts.retention.unit_code is 'GSO code of the unit in vintage.';
comment on column marts.retention.unit_name is 'Vietnamese name of the unit.';
comment on column marts.retention.scheme is 'BHXH_BB, BHXH_TN, BHTN or BHYT.';
comment on column marts.retention.continuing is 'Active in the scheme at both month ends.';
comment on column marts.retention.new is 'Active now, not active in the scheme at the previous month end.';
comment on column marts.retention.stopped is 'Active at the previous month end, not now (counted in the unit where they were).';
comment on column marts.retention.due_next_month is 'Active rows whose valid_to falls in the next month: cards and contributions to renew.';
comment on column marts.retention.approximate is 'TRUE when re-expression went through a split crosswalk link.';
comment on table marts.completeness is 'Who delivered: per period, boundary, unit and indicator, how the unit''s figure arrived (roll, aggregate, mixed or nothing) and how many of its sub-units and communes have one. A unit has a marts.coverage row exactly when delivered is not nothing.';
comment on column marts.completeness.delivered is 'roll (the person-level roll covers the unit), aggregate (a reported count), mixed (sub-units from both) or nothing (no figure: not delivered, or a sub-unit is missing).';
comment on column marts.completeness.parent_code is 'Containing unit in the same vintage (its district, province or the nation); NULL for the nation.';
comment on column marts.completeness.sub_units is 'Units whose parent_code is this unit (districts or communes of a province, provinces of the nation); 0 for communes.';
comment on column marts.completeness.sub_units_delivered is 'Sub-units with a figure for the indicator.';
comment on column marts.completeness.sub_units_missing is 'sub_units - sub_units_delivered: find them by parent_code and delivered = nothing.';
comment on column marts.completeness.communes is 'Communes in the unit (1 for a commune itself).';
comment on column marts.completeness.communes_delivered is 'Of those, communes with a figure for the indicator.';
comment on table marts.projection is 'Pace to the year-end target (phấn đấu đến 31/12): per period, unit and indicator, net new participants per month over the last 12 months (or since the previous December), the participants and coverage it projects for 31 December, whether that meets the year''s target, and the net new participants needed per remaining month. A straight line: seasonal renewals (BHYT student cards in the school year) bend it.';
comment on column marts.projection.month is 'Month of the year of period (1-12).';
comment on column marts.projection.pace_basis is 'last_12_months (participants now minus twelve months earlier, over 12) or since_january (now minus the previous December, over the months since); NULL without either on the same vintage.';
comment on column marts.projection.pace_per_month is 'The pace the projection uses (net new participants per month): pace_12_months, else pace_since_january.';
comment on column marts.projection.pace_12_months is 'Net new participants per month over the last twelve months; NULL when the unit has no figure twelve months earlier on the same vintage.';
comment on column marts.projection.pace_since_january is 'Net new participants per month since the previous December; NULL without a December figure on the same vintage.';
comment on column marts.projection.months_remaining is '12 - month: month ends left until 31 December.';
comment on column marts.projection.projected_participants is 'participants + pace * months_remaining, rounded; NULL without a pace.';
comment on column marts.projection.projected_coverage_pct is 'Projected participants (unrounded) / denominator * 100; NULL without pace or denominator.';
comment on column marts.projection.projected_target_met is 'projected_coverage_pct >= target_pct; NULL without a projection or a target.';
comment on column marts.projection.needed_per_month is 'ceil(persons_to_target / months_remaining): net new participants needed in each remaining month to meet the target; 0 when met, NULL in December or without target and denominator.';
comment on column marts.completeness.period is 'Snapshot date (month end).';
comment on column marts.completeness.year is 'Year of the period.';
comment on column marts.completeness.boundary is 'as_reported (units of the period) or current (latest vintage).';
comment on column marts.completeness.vintage is 'Boundary vintage of unit_code.';
comment on column marts.completeness.level is 'nation, province, district (as_reported before 2025-07-01) or commune.';
comment on column marts.completeness.unit_code is 'GSO code of the unit in vintage: every unit of the vintage has rows, with a figure or not.';
comment on column marts.completeness.unit_name is 'Vietnamese name of the unit.';
comment on column marts.completeness.province_code is 'Containing province in the same vintage; NULL for the nation.';
comment on column marts.completeness.province_name is 'Name of the containing province.';
comment on column marts.completeness.indicator is 'bhxh, bhxh_bb, bhxh_tn, bhtn or bhyt (as in marts.coverage).';
comment on column marts.projection.period is 'Snapshot date (month end) the projection starts from.';
comment on column marts.projection.year is 'Year of the period, whose 31 December is projected.';
comment on column marts.projection.boundary is 'as_reported (units of the period) or current (latest vintage; the one to follow a unit across a boundary reform).';
comment on column marts.projection.vintage is 'Boundary vintage of unit_code.';
comment on column marts.projection.level is 'nation, province, district (as_reported before 2025-07-01) or commune.';
comment on column marts.projection.unit_code is 'GSO code of the unit in vintage.';
comment on column marts.projection.unit_name is 'Vietnamese name of the unit.';
comment on column marts.projection.province_code is 'Containing province in the same vintage; NULL for the nation.';
comment on column marts.projection.province_name is 'Name of the containing province.';
comment on column marts.projection.indicator is 'bhxh, bhxh_bb, bhxh_tn, bhtn or bhyt (as in marts.coverage).';
comment on column marts.projection.participants is 'Participants at period (marts.coverage).';
comment on column marts.projection.denominator is 'The year''s denominator (marts.coverage).';
comment on column marts.projection.coverage_pct is 'Coverage at period (marts.coverage).';
comment on column marts.projection.target_pct is 'The year''s target (marts.coverage).';
comment on column marts.projection.persons_to_target is 'People still needed at period (marts.coverage).';
comment on column marts.projection.approximate is 'TRUE when the figures went through a split crosswalk link (marts.coverage).';
comment on table marts.outreach is 'Who a commune still has to reach, from the resident register (raw/residents/, optional) held against the rolls: per period, boundary and commune, one row for the commune (level commune, village NULL) and one per village (level village). Counts only; the named lists are made by python -m pipeline outreach into a restricted folder. No rows for a month without a register or without a roll.';
comment on column marts.outreach.period is 'Month end of the register and roll.';
comment on column marts.outreach.boundary is 'as_reported (units of the period) or current (latest vintage).';
comment on column marts.outreach.vintage is 'Boundary vintage of unit_code.';
comment on column marts.outreach.province_code is 'Province of the commune in vintage.';
comment on column marts.outreach.province_name is 'Vietnamese name of the province.';
comment on column marts.outreach.unit_name is 'Vietnamese name of the commune.';
comment on column marts.outreach.level is 'commune (the commune''s own row, village NULL) or village (one thôn / tổ dân phố of the commune).';
comment on column marts.outreach.unit_code is 'Code of the commune in vintage (also on its village rows).';
comment on column marts.outreach.village is 'Name of the thôn or tổ dân phố as the register writes it (NFC); NULL on the commune row.';
comment on column marts.outreach.residents is 'Residents in the register at the month end.';
comment on column marts.outreach.working_age_residents is 'Residents aged 15 up to the statutory retirement age of their sex in the period''s year (age = year - birth year).';
comment on column marts.outreach.residents_without_bhyt is 'Residents with no active BHYT card in the month''s roll.';
comment on column marts.outreach.working_age_without_bhxh is 'Working-age residents with no active BHXH (compulsory or voluntary) in the month''s roll.';
comment on column marts.outreach.bhyt_lapsed_3m is 'Residents without BHYT now who had it at one of the three previous month ends, or whose card ended within the last three months: lapsed and not renewed.';
comment on column marts.outreach.bhyt_due_next_month is 'Residents whose active BHYT card ends in the next month: to renew.';
comment on column marts.outreach.approximate is 'TRUE on the current boundary when a pre-reform commune was split: its villages go to the successor with the largest share.';
