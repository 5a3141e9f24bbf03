"""The people of one pre-reform province, simulated month by month (vectorised over persons).

A chunk holds the province's whole synthetic population (scaled), not only participants: children, pupils,
workers, pensioners, the poor, the uninsured. Participation then follows from who a person is:
- BHXH (one record per person: compulsory ``BB`` *or* voluntary ``TN``) only at working age;
- BHTN mostly alongside compulsory BHXH (employees), ending when the job ends;
- one BHYT card per person, its object code following the person (TE under 6, HS pupils, SV students,
  employer codes for employees, HT pensioners, HN/CN/DT poor, near-poor and ethnic-minority households, BT
  over 80, CC/CK merit, GD for the household scheme), valid for a term and renewed (or not) at expiry.

Each month: deaths and births, retirements, people who stop (compulsory BHXH hazard; voluntary BHXH and
household BHYT lapse when a prepaid term is not renewed), then new entrants and returning participants
fill the gap to the month's calibrated count, chosen with weights that make communes vary around their
province. Counts therefore hit the calibration exactly while turnover stays realistic. Every rate and
proportion here is documented in docs/generator.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.generate.names import draw_names
from pipeline.generate.randomness import (
    choose,
    choose_weighted,
    digit_matrix,
    draw,
    lookup_table,
    rng,
    uniform,
)

OPEN = np.int32(2**30)  # an open end (compulsory BHXH, BHTN still running)
KEEP_MONTHS = 12  # ended records stay in the roll this long (offices chase "due to renew" lists)

# BHXH record kinds and roll schemes
BB, TN = 1, 2
SCHEMES = ("BHXH_BB", "BHXH_TN", "BHTN", "BHYT")

# BHYT object codes used by the generator; index 0 = no card
CODES = ("", "DN", "HC", "CH", "NN", "HX", "TK", "XK", "HT", "TE", "HS", "SV", "HN", "CN", "DT", "DK", "BT",
         "CC", "CK", "TQ", "GD")  # fmt: skip
C = {code: i for i, code in enumerate(CODES)}
EMPLOYER_CODES = np.array([C[c] for c in ("DN", "HC", "CH", "NN", "HX", "TK", "XK")], dtype=np.int8)
# Employees by employer type: enterprises, civil service, other state units, foreign organisations,
# cooperatives, commune officials, workers abroad.
EMPLOYER_SHARE = np.array([0.70, 0.17, 0.05, 0.01, 0.02, 0.03, 0.02])
# Likelihood of BHTN by employer type (civil servants and commune officials are not covered by BHTN).
BHTN_WEIGHT = np.zeros(len(CODES))
BHTN_WEIGHT[EMPLOYER_CODES] = [1.0, 0.3, 0.8, 0.8, 0.6, 0.02, 0.05]
# Benefit level, the card number's third character (Decree 146/2018: 1 merit and children, 2 poor and
# protected, 3 pensioners and near-poor, 4 everyone else, 5 armed forces).
BENEFIT_LEVEL = np.full(len(CODES), 4, dtype=np.int8)
_LEVELS = {"TE": 1, "CC": 1, "CK": 2, "HN": 2, "DT": 2, "DK": 2, "BT": 2, "HT": 3, "CN": 3}  # others: 4
for _code, _level in _LEVELS.items():
    BENEFIT_LEVEL[C[_code]] = _level
# Probability that a card is renewed at expiry, by the group the person is in at that moment. Budget-paid
# groups renew almost surely; near-poor pay 30% themselves; households pay everything.
RENEWAL = np.full(len(CODES), 0.995)
RENEWAL[EMPLOYER_CODES] = 1.0
RENEWAL[[C["HS"], C["SV"], C["CN"], C["GD"]]] = [0.97, 0.85, 0.8, 0.82]
RENEWAL_GD_AFTER_FREE_CARD = 0.55  # a school leaver, an ex-employee: must now buy a household card
GD_TERMS, GD_TERM_SHARE = np.array([3, 6, 12]), np.array([0.1, 0.2, 0.7])
TN_TERMS, TN_TERM_SHARE = np.array([1, 3, 6, 12]), np.array([0.15, 0.25, 0.25, 0.35])
TN_RENEWAL = 0.85
BB_EXIT = 0.010  # monthly: job loss, move to informal work, lump-sum withdrawal
BHTN_ALONE_EXIT = 0.02  # monthly, for the few with BHTN but no compulsory BHXH in this province
BHTN_WITHOUT_BB = 0.01  # share of BHTN entrants without compulsory BHXH here (employer elsewhere)
# Share of each month's entrants who are people coming back (their record ended within KEEP_MONTHS).
RETURN_SHARE = {"bb": 0.25, "tn": 0.35, "bhtn": 0.25, "bhyt": 0.40}
BB_PENSION = 0.85  # compulsory participants retiring with a pension (the rest take a lump sum)
TE_REGISTERED = 0.985  # newborns issued a TE card in their birth month
ARMED_FORCES_RELATIVES = 0.012  # TQ: relatives of serving soldiers, paid by the state budget

# Age pyramid (GSO 2023, % by five-year group 0-4 … 75-79, then 80+) and sex ratio by age.
PYRAMID = np.array([7.4, 8.2, 7.8, 6.8, 6.8, 7.5, 8.1, 8.0, 7.4, 6.8, 6.1, 5.5, 4.7, 3.6, 2.4, 1.4, 1.9])
MAX_AGE = 99
# Annual mortality by age, roughly Vietnam's life table (≈ 0.6% crude death rate).
# (age below which, annual rate)
MORTALITY = [
    (1, 0.013),
    (15, 0.0004),
    (40, 0.001),
    (60, 0.004),
    (70, 0.012),
    (80, 0.03),
    (90, 0.09),
    (200, 0.2),
]
BIRTHS_PER_MONTH = 0.0012  # ≈ 14.5 births per 1,000 people a year
# Selection weights by age (index = age in years) for compulsory and voluntary BHXH.
_AGES = np.arange(MAX_AGE + 2)
BB_AGE_WEIGHT = np.select(
    [_AGES < 18, _AGES < 20, _AGES < 25, _AGES < 40, _AGES < 50, _AGES < 55],
    [0.05, 0.4, 0.9, 1.0, 0.8, 0.55],
    0.35,
)
TN_AGE_WEIGHT = np.select([_AGES < 25, _AGES < 35, _AGES < 55], [0.2, 0.6, 1.0], 0.8)


def retirement_age(male: np.ndarray, year: int) -> np.ndarray:
    """Statutory retirement age in whole years (Labour Code 2019: from 2021 men 60y3m rising 3 months a year
    to 62, women 55y4m rising 4 months a year to 60), rounded up: with only the birth year known, a person
    is of working age while ``year - birth_year`` is at most this."""
    years = max(0, year - 2020)
    men = min(62, 60 + -(-years * 3 // 12))  # ceil(years × 3 months)
    women = min(60, 55 + -(-years * 4 // 12))
    return np.where(male, men, women)


@dataclass(frozen=True)
class ProvinceProfile:
    """Everything one province's simulation needs, prepared by the caller."""

    index: int  # position among the 63 provinces
    code: str  # pre-reform province code
    commune_codes: np.ndarray  # its pre-reform communes
    weight: np.ndarray  # population weight per commune (sums to 1)
    m_bb: np.ndarray
    m_tn: np.ndarray
    m_gd: np.ndarray
    poor: np.ndarray  # probability per commune of a poor (HN) household member
    near_poor: np.ndarray
    minority: np.ndarray  # ethnic minority in a disadvantaged area (DT)
    disadvantaged: np.ndarray  # resident of an extremely disadvantaged commune (DK)
    pension_share: float  # share of people past retirement age with a pension
    # the commune each person of an old commune lives in after the reform, as link tables
    link_start: np.ndarray  # [commune] first link
    link_count: np.ndarray
    link_to: np.ndarray  # new commune (global index) per link
    link_cumulative: np.ndarray  # cumulative fraction within the old commune
    population: int  # persons at the first month (scaled)
    months: np.ndarray  # month indices simulated, first to last
    targets: dict[str, np.ndarray]  # "bb", "tn", "bhtn", "bhyt": calibrated active count per month


class Population:
    """The persons of one province and their participation state. Month ``t`` is the state at its end."""

    def __init__(self, profile: ProvinceProfile, seed: int):
        self.profile, self.seed = profile, seed
        self.t = int(profile.months[0])
        generator = rng(seed, "people", int(profile.code))
        bhyt_peak = (profile.targets["bhyt"] / max(profile.population, 1)).max()
        # More people than the province's population where registered BHYT exceeds it (real: >100%).
        n_resident = int(round(profile.population * max(1.0, bhyt_peak / 0.95)))
        n_births = int(round(profile.population * BIRTHS_PER_MONTH * (len(profile.months) - 1)))
        n = n_resident + n_births

        ages = np.repeat(PYRAMID / 5, 5)[:80]
        ages = np.concatenate([ages, PYRAMID[-1] * 0.15 * 0.85 ** np.arange(MAX_AGE - 79)])
        age = draw(generator, lookup_table(ages / ages.sum()), n_resident)
        self.born = np.empty(n, dtype=np.int32)
        self.born[:n_resident] = self.t - age * 12 - generator.integers(0, 12, n_resident)
        self.born[n_resident:] = np.sort(generator.integers(self.t + 1, profile.months[-1] + 1, n_births))
        self.birth_year = (self.born // 12).astype(np.int16)
        self.dead = np.full(n, OPEN, dtype=np.int32)
        age_now = np.maximum(self.t // 12 - self.birth_year, 0)
        male_share = np.select([age_now < 15, age_now < 60, age_now < 80], [0.52, 0.505, 0.45], 0.38)
        self.male = uniform(generator, n) < male_share
        # communes: residents in commune order, newborns after them
        counts = generator.multinomial(n_resident, profile.weight)
        commune = np.repeat(np.arange(len(profile.weight), dtype=np.int32), counts)
        newborn_commune = np.sort(generator.choice(len(profile.weight), size=n_births, p=profile.weight))
        self.commune = np.concatenate([commune, newborn_commune.astype(np.int32)])
        self.new_commune = self._after_reform(generator)
        # household and personal circumstances (static over the simulated months)
        u = uniform(generator, n)
        self.poor = u < profile.poor[self.commune]
        self.near_poor = ~self.poor & (u < profile.poor[self.commune] + profile.near_poor[self.commune])
        self.minority = uniform(generator, n) < profile.minority[self.commune]
        self.disadvantaged = uniform(generator, n) < profile.disadvantaged[self.commune]
        self.relative = uniform(generator, n) < ARMED_FORCES_RELATIVES
        self.student = uniform(generator, n) < 0.28  # share of 18-22 year-olds in higher education
        merit_draw = uniform(generator, n)
        self.merit = np.where(
            (age_now >= 60) & (merit_draw < 0.03), C["CC"], np.where(merit_draw < 0.006, C["CK"], 0)
        ).astype(np.int8)
        retired = age_now > retirement_age(self.male, self.t // 12)
        self.pension = retired & (uniform(generator, n) < profile.pension_share)
        self.employer = EMPLOYER_CODES[draw(generator, lookup_table(EMPLOYER_SHARE), n)]
        self.name = draw_names(generator, self.male)
        # insurance number: province code + 8 digits, a bijective scramble of the person's index
        offset = int(generator.integers(0, 10**8))
        self.sid = int(profile.code) * 10**8 + (np.arange(n, dtype=np.int64) * 48_271_013 + offset) % 10**8
        self._sid_digits: np.ndarray | None = None

        # participation state
        self.x_kind = np.zeros(n, dtype=np.int8)
        self.x_start = np.zeros(n, dtype=np.int32)
        self.x_end = np.zeros(n, dtype=np.int32)
        self.u_has = np.zeros(n, dtype=bool)
        self.u_start = np.zeros(n, dtype=np.int32)
        self.u_end = np.zeros(n, dtype=np.int32)
        self.h_code = np.zeros(n, dtype=np.int8)
        self.h_from = np.zeros(n, dtype=np.int32)
        self.h_to = np.zeros(n, dtype=np.int32)
        self._initial_state(generator)

    # ----------------------------------------------------------------------------------------
    # Who a person is at month t
    # ----------------------------------------------------------------------------------------

    def _after_reform(self, generator: np.random.Generator) -> np.ndarray:
        p = self.profile
        start, count = p.link_start[self.commune], p.link_count[self.commune]
        link = start.copy()
        split = np.flatnonzero(count > 1)
        u = generator.random(len(split))
        for k in range(1, int(count.max())):
            beyond = (k < count[split]) & (u >= p.link_cumulative[start[split] + k - 1])
            link[split[beyond]] = start[split[beyond]] + k
        return p.link_to[link].astype(np.int32)

    @property
    def sid_digits(self) -> np.ndarray:
        """The insurance numbers as an (n, 10) matrix of ASCII digits, computed once."""
        if self._sid_digits is None:
            self._sid_digits = digit_matrix(self.sid, 10)
        return self._sid_digits

    def alive(self, t: int) -> np.ndarray:
        return (self.born <= t) & (self.dead > t)

    def age(self, t: int) -> np.ndarray:
        return t // 12 - self.birth_year.astype(np.int32)

    def working_age(self, t: int) -> np.ndarray:
        age = self.age(t)
        return (age >= 15) & (age <= retirement_age(self.male, t // 12))

    def bhxh_active(self, t: int, kind: int | None = None) -> np.ndarray:
        active = (self.x_kind > 0) & (self.x_start <= t) & (self.x_end >= t)
        return active if kind is None else active & (self.x_kind == kind)

    def bhtn_active(self, t: int) -> np.ndarray:
        return self.u_has & (self.u_start <= t) & (self.u_end >= t)

    def card_active(self, t: int) -> np.ndarray:
        return (self.h_code > 0) & (self.h_from <= t) & (self.h_to >= t)

    def groups(self, t: int, employed: np.ndarray) -> np.ndarray:
        """The BHYT object code each person qualifies for at month t (later rules take precedence)."""
        age, months_old = self.age(t), t - self.born
        code = np.full(len(self.born), C["GD"], dtype=np.int8)
        code[self.student & (age >= 18) & (age <= 22)] = C["SV"]
        code[(months_old >= 72) & (age <= 17)] = C["HS"]
        code[self.relative] = C["TQ"]
        code[self.merit > 0] = self.merit[self.merit > 0]
        code[self.disadvantaged] = C["DK"]
        code[age >= 80] = C["BT"]
        code[self.near_poor] = C["CN"]
        code[self.minority] = C["DT"]
        code[self.poor] = C["HN"]
        code[months_old < 72] = C["TE"]
        code[self.pension & ~self.working_age(t) & (age >= 50)] = C["HT"]
        code[employed] = self.employer[employed]
        return code

    def card_end(
        self, generator: np.random.Generator, code: np.ndarray, t: int, who: np.ndarray
    ) -> np.ndarray:
        """Last month of a card issued at month t: calendar year for most groups, the school year (to
        September) for pupils and students, the 6th birthday for TE, a bought term for households."""
        year = t // 12
        end = np.full(len(who), year * 12 + 11, dtype=np.int32)
        school = (code == C["HS"]) | (code == C["SV"])
        end[school] = year * 12 + 8 if t % 12 <= 8 else year * 12 + 20
        te = code == C["TE"]
        end[te] = self.born[who[te]] + 71
        gd = code == C["GD"]
        end[gd] = t - 1 + generator.choice(GD_TERMS, size=int(gd.sum()), p=GD_TERM_SHARE)
        return end

    # ----------------------------------------------------------------------------------------
    # The first month: a steady-state cross-section
    # ----------------------------------------------------------------------------------------

    def _initial_state(self, g: np.random.Generator) -> None:
        t, targets = self.t, {k: int(v[0]) for k, v in self.profile.targets.items()}
        alive, working = self.alive(t), self.working_age(t)
        age = np.clip(self.age(t), 0, MAX_AGE + 1)
        # Careers start at the earliest in January of the year a person turns 18, or now for the few
        # younger participants (the working-age rule, on birth years only, allows from 15)
        earliest_start = np.minimum((self.birth_year.astype(np.int32) + 18) * 12, t)

        # compulsory BHXH: tenure since the last start is geometric in the exit hazard
        pool = np.flatnonzero(alive & working)
        bb = choose_weighted(
            g, pool, BB_AGE_WEIGHT[age[pool]] * self.profile.m_bb[self.commune[pool]], targets["bb"]
        )
        self._start_bhxh(bb, BB, np.maximum(t - g.geometric(BB_EXIT, len(bb)) + 1, earliest_start[bb]), OPEN)
        # ... and people whose compulsory record ended in the last year (kept in the roll, inactive)
        rest = pool[self.x_kind[pool] == 0]
        n_ended = int(round(targets["bb"] * BB_EXIT * KEEP_MONTHS * (1 - RETURN_SHARE["bb"])))
        ended = choose_weighted(
            g, rest, BB_AGE_WEIGHT[age[rest]] * self.profile.m_bb[self.commune[rest]], n_ended
        )
        end = t - g.integers(1, KEEP_MONTHS + 1, len(ended))
        start = np.maximum(end - g.geometric(BB_EXIT, len(ended)) + 1, earliest_start[ended])
        self._start_bhxh(ended, BB, np.minimum(start, end), end)

        # voluntary BHXH among the others of working age, paid ahead for a term
        rest = rest[self.x_kind[rest] == 0]
        tn = choose_weighted(
            g, rest, TN_AGE_WEIGHT[age[rest]] * self.profile.m_tn[self.commune[rest]], targets["tn"]
        )
        term = g.choice(TN_TERMS, size=len(tn), p=TN_TERM_SHARE)
        start = np.maximum(t - g.geometric(0.025, len(tn)) + 1, earliest_start[tn])
        self._start_bhxh(tn, TN, start, t + (g.random(len(tn)) * term).astype(np.int32))
        rest = rest[self.x_kind[rest] == 0]
        lapse = (1 - TN_RENEWAL) / (TN_TERMS * TN_TERM_SHARE).sum()
        n_lapsed = int(round(targets["tn"] * lapse * KEEP_MONTHS * (1 - RETURN_SHARE["tn"])))
        lapsed = choose_weighted(
            g, rest, TN_AGE_WEIGHT[age[rest]] * self.profile.m_tn[self.commune[rest]], n_lapsed
        )
        end = t - g.integers(1, KEEP_MONTHS + 1, len(lapsed))
        start = np.maximum(end - g.geometric(0.025, len(lapsed)) + 1, earliest_start[lapsed])
        self._start_bhxh(lapsed, TN, np.minimum(start, end), end)

        # BHTN: employees (by employer type), a few without compulsory BHXH here
        n_alone = int(round(targets["bhtn"] * BHTN_WITHOUT_BB))
        with_bb = choose_weighted(g, bb, BHTN_WEIGHT[self.employer[bb]], targets["bhtn"] - n_alone)
        self.u_has[with_bb] = True
        self.u_start[with_bb] = np.maximum(self.x_start[with_bb], 2009 * 12)  # BHTN exists since 2009
        self.u_end[with_bb] = OPEN
        no_bhxh = np.flatnonzero(alive & working & (self.x_kind == 0))
        alone = choose(g, no_bhxh, n_alone)
        self.u_has[alone] = True
        self.u_start[alone] = np.maximum(t - g.geometric(BHTN_ALONE_EXIT, len(alone)) + 1, 2009 * 12)
        self.u_end[alone] = OPEN
        ended_bb = ended[g.random(len(ended)) < 0.9]
        self.u_has[ended_bb] = True
        self.u_start[ended_bb] = np.maximum(self.x_start[ended_bb], 2009 * 12)
        self.u_end[ended_bb] = self.x_end[ended_bb]

        # BHYT: the automatic groups first, then households fill the gap to the province's count
        employed = self.bhxh_active(t, BB)
        code = self.groups(t, employed)
        living = np.flatnonzero(alive)
        chance = np.where(code[living] == C["GD"], 0.0, RENEWAL[code[living]] - 0.01)
        covered = living[(g.random(len(living)) < chance) | employed[living]]
        surplus = len(covered) - targets["bhyt"]
        if surplus > 0:  # more automatic cover than the count allows: drop some non-employer cards
            droppable = covered[~employed[covered]]
            covered = np.setdiff1d(covered, choose(g, droppable, surplus), assume_unique=True)
        uninsured = np.setdiff1d(living, covered, assume_unique=True)
        weights = np.where(code[uninsured] == C["GD"], self.profile.m_gd[self.commune[uninsured]], 0.3)
        households = choose_weighted(g, uninsured, weights, targets["bhyt"] - len(covered))
        holders = np.sort(np.concatenate([covered, households]))  # disjoint
        self.h_code[holders] = code[holders]
        self.h_to[holders] = self.card_end(g, code[holders], t, holders)
        year_start = t // 12 * 12
        school_start = (t // 12 - (t % 12 < 9)) * 12 + 9  # the October that opened the school year
        held = code[holders]
        start = np.full(len(holders), year_start, dtype=np.int32)
        start[(held == C["HS"]) | (held == C["SV"])] = school_start
        start[held == C["TE"]] = self.born[holders[held == C["TE"]]]
        # a bought household term started some months ago: shift it back by a uniform part of its length
        gd = holders[held == C["GD"]]
        back = (g.random(len(gd)) * (self.h_to[gd] - t + 1)).astype(np.int32)
        start[held == C["GD"]] = t - back
        self.h_to[gd] -= back
        emp = employed[holders]
        start[emp] = np.maximum(year_start, self.x_start[holders[emp]])
        self.h_from[holders] = np.maximum(start, self.born[holders])
        # ... and household cards that lapsed in the last year (not renewed: kept, inactive)
        lapse = (1 - RENEWAL[C["GD"]]) / (GD_TERMS * GD_TERM_SHARE).sum()
        # (pupils and near-poor who did not renew come on top of households in the steady state: ×1.3)
        n_lapsed = int(round(len(households) * lapse * KEEP_MONTHS * (1 - RETURN_SHARE["bhyt"]) * 1.3))
        rest = np.setdiff1d(uninsured, households, assume_unique=True)
        lapsed = choose(g, rest[code[rest] == C["GD"]], n_lapsed)
        term = g.choice(GD_TERMS, size=len(lapsed), p=GD_TERM_SHARE)
        self.h_code[lapsed] = C["GD"]
        self.h_to[lapsed] = t - g.integers(1, KEEP_MONTHS + 1, len(lapsed))
        self.h_from[lapsed] = np.maximum(self.h_to[lapsed] - term + 1, self.born[lapsed])

    def _start_bhxh(self, who: np.ndarray, kind: int, start: np.ndarray, end: np.ndarray | np.int32) -> None:
        self.x_kind[who] = kind
        self.x_start[who] = start
        self.x_end[who] = end

    # ----------------------------------------------------------------------------------------
    # One month later
    # ----------------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance to the next month."""
        t = self.t = self.t + 1
        p = self.profile
        g = rng(self.seed, "month", int(p.code), t)
        position = t - int(p.months[0])  # the months are consecutive
        target = {k: int(v[position]) for k, v in p.targets.items()}
        n = len(self.born)
        age = np.clip(self.age(t), 0, MAX_AGE + 1)

        # deaths: every record ends; the dead leave the roll
        alive = self.alive(t)
        hazard = np.select([age < limit for limit, _ in MORTALITY], [rate / 12 for _, rate in MORTALITY])
        died = alive & (self.born < t) & (g.random(n) < hazard)
        self.dead[died] = t
        alive &= ~died
        working = self.working_age(t)

        # retirement: BHXH and BHTN end; most compulsory participants draw a pension
        continuing = (self.x_kind > 0) & (self.x_end >= t)
        retiring = alive & continuing & ~working
        self._end_bhxh(retiring, t)
        self.u_end[alive & ~working & self.u_has & (self.u_end >= t)] = t - 1
        self.pension |= retiring & (self.x_kind == BB) & (g.random(n) < BB_PENSION)

        # compulsory participants who stop; BHTN alone ends at its own hazard
        leaving = alive & continuing & working & (self.x_kind == BB) & (g.random(n) < BB_EXIT)
        self._end_bhxh(leaving, t)
        alone = self.u_has & (self.u_end >= t) & ~((self.x_kind == BB) & (self.x_end >= t))
        self.u_end[alone & (g.random(n) < BHTN_ALONE_EXIT)] = t - 1

        # voluntary participants whose paid term ran out: renew, or lapse
        due = alive & working & (self.x_kind == TN) & (self.x_end == t - 1)
        renew = np.flatnonzero(due & (g.random(n) < TN_RENEWAL))
        self.x_end[renew] += g.choice(TN_TERMS, size=len(renew), p=TN_TERM_SHARE).astype(np.int32)

        # compulsory BHXH: fill the gap to the month's count (returning participants first)
        employed = alive & self.bhxh_active(t, BB)
        gap = target["bb"] - int(employed.sum())
        if gap > 0:
            pool = alive & working & ~employed
            weight = BB_AGE_WEIGHT[age] * p.m_bb[self.commune]
            chosen = self._entrants(
                g, pool, self.x_kind == BB, self.x_end, weight, gap, RETURN_SHARE["bb"], t
            )
            self._start_bhxh(chosen, BB, np.int32(t), OPEN)
            self.employer[chosen] = EMPLOYER_CODES[
                g.choice(len(EMPLOYER_CODES), size=len(chosen), p=EMPLOYER_SHARE)
            ]
        elif gap < 0:
            stopping = np.zeros(n, dtype=bool)
            stopping[choose(g, np.flatnonzero(employed & (self.x_start < t)), -gap)] = True
            self._end_bhxh(stopping, t)
        employed = alive & self.bhxh_active(t, BB)

        # voluntary BHXH: the gap is filled from people of working age with no active BHXH record
        voluntary = alive & self.bhxh_active(t, TN)
        gap = target["tn"] - int(voluntary.sum())
        if gap > 0:
            pool = alive & working & ~self.bhxh_active(t)
            weight = TN_AGE_WEIGHT[age] * p.m_tn[self.commune]
            chosen = self._entrants(
                g, pool, self.x_kind == TN, self.x_end, weight, gap, RETURN_SHARE["tn"], t
            )
            term = g.choice(TN_TERMS, size=len(chosen), p=TN_TERM_SHARE).astype(np.int32)
            self._start_bhxh(chosen, TN, np.int32(t), t + term - 1)
        elif gap < 0:
            stopping = choose(g, np.flatnonzero(voluntary & (self.x_start < t)), -gap)
            self.x_end[stopping] = t - 1

        # BHTN: employees without it (by employer type), a few people without compulsory BHXH here
        insured = alive & self.bhtn_active(t)
        gap = target["bhtn"] - int(insured.sum())
        if gap > 0:
            n_alone = int(g.binomial(gap, BHTN_WITHOUT_BB))
            pool = employed & ~insured
            weight = BHTN_WEIGHT[self.employer]
            chosen = self._entrants(
                g, pool, self.u_has, self.u_end, weight, gap - n_alone, RETURN_SHARE["bhtn"], t
            )
            others = np.flatnonzero(alive & working & ~insured & ~self.bhxh_active(t))
            chosen = np.concatenate([chosen, choose(g, others, n_alone)])
            self.u_has[chosen], self.u_start[chosen], self.u_end[chosen] = True, t, OPEN
        elif gap < 0:
            stopping = choose(g, np.flatnonzero(insured & (self.u_start < t)), -gap)
            self.u_end[stopping] = t - 1

        self._step_cards(g, t, alive, employed, target["bhyt"])

    def _end_bhxh(self, who: np.ndarray, t: int) -> None:
        """End BHXH records at the end of last month (and BHTN with compulsory BHXH)."""
        bhtn = who & self.u_has & (self.u_end >= t) & (self.x_kind == BB)
        self.u_end[bhtn] = t - 1
        self.x_end[who] = np.minimum(self.x_end[who], t - 1)

    def _entrants(
        self,
        g: np.random.Generator,
        pool: np.ndarray,
        had_record: np.ndarray,
        record_end: np.ndarray,
        weight: np.ndarray,
        k: int,
        return_share: float,
        t: int,
    ) -> np.ndarray:
        """``k`` people from ``pool``: about ``return_share`` of them whose record ended within the kept
        window (people who come back), the rest new, both drawn with the given weights."""
        recent_mask = pool & had_record & (record_end >= t - KEEP_MONTHS) & (record_end < t)
        recent = np.flatnonzero(recent_mask)
        back = choose_weighted(g, recent, weight[recent], min(len(recent), int(round(k * return_share))))
        new = np.flatnonzero(pool & ~recent_mask)
        fresh = choose_weighted(g, new, weight[new], k - len(back))
        if len(back) + len(fresh) < k:  # not enough new people: take more of those coming back
            spare = np.setdiff1d(recent, back, assume_unique=True)
            back = np.concatenate(
                [back, choose_weighted(g, spare, weight[spare], k - len(back) - len(fresh))]
            )
        return np.sort(np.concatenate([back, fresh]))  # the pools are disjoint

    def _step_cards(
        self, g: np.random.Generator, t: int, alive: np.ndarray, employed: np.ndarray, target: int
    ) -> None:
        code = self.groups(t, employed)
        is_employer = np.isin(self.h_code, EMPLOYER_CODES)
        running = alive & (self.h_code > 0) & (self.h_to >= t)
        # an employee's card ends with the job
        self.h_to[running & is_employer & ~employed] = t - 1
        # a new employee's card is replaced by the employer's
        hired = np.flatnonzero(employed & ~(running & is_employer))
        self._issue(g, hired, code[hired], t)
        # cards that expired at the end of last month: renewed with the person's current code, or lapse
        due = np.flatnonzero(alive & (self.h_code > 0) & (self.h_to == t - 1) & ~employed)
        new_code = code[due]
        chance = RENEWAL[new_code]
        bought = (new_code == C["GD"]) & (self.h_code[due] != C["GD"])
        chance[bought] = RENEWAL_GD_AFTER_FREE_CARD
        renewed = due[g.random(len(due)) < chance]
        self._issue(g, renewed, code[renewed], t)
        # newborns
        born = np.flatnonzero((self.born == t) & alive)
        born = born[g.random(len(born)) < TE_REGISTERED]
        self._issue(g, born, code[born], t)
        # households (and a few uninsured of other groups) fill the gap to the month's count
        active = alive & self.card_active(t)
        gap = target - int(active.sum())
        if gap > 0:
            weight = np.where(code == C["GD"], self.profile.m_gd[self.commune], 0.3)
            chosen = self._entrants(
                g, alive & ~active, self.h_code > 0, self.h_to, weight, gap, RETURN_SHARE["bhyt"], t
            )
            self._issue(g, chosen, code[chosen], t)
        elif gap < 0:
            households = np.flatnonzero(active & (self.h_code == C["GD"]) & (self.h_from < t))
            cancelled = choose(g, households, -gap)
            if len(cancelled) < -gap:
                others = np.flatnonzero(active & ~np.isin(self.h_code, EMPLOYER_CODES) & (self.h_from < t))
                more = choose(g, np.setdiff1d(others, cancelled, assume_unique=True), -gap - len(cancelled))
                cancelled = np.concatenate([cancelled, more])
            self.h_to[cancelled] = t - 1

    def _issue(self, g: np.random.Generator, who: np.ndarray, code: np.ndarray, t: int) -> None:
        self.h_code[who] = code
        self.h_from[who] = t
        self.h_to[who] = self.card_end(g, code, t, who)

    # ----------------------------------------------------------------------------------------
    # The roll
    # ----------------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Rows of the roll at the current month: every kept record (active, or ended within KEEP_MONTHS)."""
        t = self.t
        alive = self.alive(t)
        x = np.flatnonzero(alive & (self.x_kind > 0) & (self.x_start <= t) & (self.x_end >= t - KEEP_MONTHS))
        u = np.flatnonzero(alive & self.u_has & (self.u_start <= t) & (self.u_end >= t - KEEP_MONTHS))
        h = np.flatnonzero(alive & (self.h_code > 0) & (self.h_from <= t) & (self.h_to >= t - KEEP_MONTHS))
        return Snapshot(
            month=t,
            person=np.concatenate([x, u, h]),
            scheme=np.concatenate(
                [self.x_kind[x] - 1, np.full(len(u), 2, np.int8), np.full(len(h), 3, np.int8)]
            ).astype(np.int8),
            code=np.concatenate([np.zeros(len(x) + len(u), np.int8), self.h_code[h]]),
            start=np.concatenate([self.x_start[x], self.u_start[u], self.h_from[h]]),
            end=np.concatenate([self.x_end[x], self.u_end[u], self.h_to[h]]),
            n_bhyt=len(h),
        )


@dataclass(frozen=True)
class Snapshot:
    """One month's roll rows for a province: BHXH rows, then BHTN, then BHYT (``n_bhyt`` at the end)."""

    month: int
    person: np.ndarray  # index into the Population's arrays
    scheme: np.ndarray  # index into SCHEMES
    code: np.ndarray  # index into CODES (0 on non-BHYT rows)
    start: np.ndarray  # month of valid_from
    end: np.ndarray  # month of valid_to, OPEN for none
    n_bhyt: int
