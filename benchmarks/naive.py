"""A naive reference engine: the same model with one SimPy process per household.

Every household of every replication is its own SimPy process holding plain Python floats and
stepping month by month — the design tuopin's engine avoids. It covers the baseline income,
illness, disability and disasters, and the equity, PV, employment and industry instruments (the
county's default plan in ``ruyuan-2016``) and the county's own assistance (dibao top-up, 防返贫
help), and it reads the very same random numbers as the
engine, so on a small case both must agree (``tests/test_naive_reference.py``);
``benchmarks/engine.py`` runs it to measure how much faster the vectorised engine is.
"""

from __future__ import annotations

import math

import numpy as np
import simpy
from scipy import special

from simulator.baseline import seasonal_weights
from simulator.engine import village_index
from simulator.interventions import equity as equity_module
from simulator.interventions.equity import enterprise_assignment, enterprise_keys
from simulator.interventions.pv import degradation_factor
from simulator.packages import Plan
from simulator.randomness import Streams
from simulator.registry import Registry
from simulator.scenario.model import Scenario
from simulator.vocabulary import REGISTERED_CATEGORIES

SUPPORTED = {"equity", "pv", "employment", "industry"}


def _normal(u: float) -> float:
    return float(special.ndtri(min(max(u, 1e-7), 1 - 1e-7)))


class _Shared:
    """Draws shared by households (villages, enterprises, county), from the engine's streams."""

    def __init__(self, streams: Streams, scenario: Scenario, reps: int, years: int,
                 village_keys: np.ndarray) -> None:
        enterprises = enterprise_keys(streams, equity_module.parameters(scenario))
        weather = [streams.entity("weather")]

        def yearly(source: str, keys) -> np.ndarray:
            return np.stack([streams.shared_uniforms(source, y, reps, keys)[:, :, 0]
                             for y in range(years)], axis=-1)

        self.disaster = yearly("disaster", village_keys)
        self.underpay = yearly("enterprise_underpay", enterprises)
        self.failure = streams.shared_uniforms("enterprise_failure", 0, reps,
                                               enterprises)[:, :, 0]
        self.pv_weather = yearly("pv_weather", weather)[:, 0]
        self.pv_weak = yearly("pv_weak_year", weather)[:, 0]
        self.pv_delay = yearly("pv_settlement", weather)[:, 0]


def simulate_naive(scenario: Scenario, registry: Registry, plan: Plan, reps: int,
                   seed: int) -> np.ndarray:
    """Counted per-capita income, shape (reps, households, years), one process per household."""
    for package in plan.packages:
        unknown = set(package.keys) - SUPPORTED
        if unknown or any(v.start_year for v in package.variants):
            raise ValueError(f"the naive reference does not model {sorted(unknown)}")
    streams = Streams(seed, scenario.county)
    years = scenario.horizon.years
    n = registry.n_households
    villages, village_keys = village_index(registry, scenario.county)
    enterprises, _count = enterprise_assignment(registry, scenario)
    shared = _Shared(streams, scenario, reps, years, village_keys)
    # the engine draws each household's uniforms per (source, chunk, year); read the same ones
    sources = ("illness", "illness_who", "disability", "disability_who", "job_search",
               "job_separation", "job_wage")
    monthly = {s: [streams.household_uniforms(s, y, reps, 0, n, 12) for y in range(years)]
               for s in sources}
    start_year = scenario.horizon.start_month_of(0) // 12
    monthly["industry"] = streams.household_uniforms("industry", start_year, reps, 0, n, 1)
    volatility = [streams.household_uniforms("income_volatility", y, reps, 0, n, 1)
                  for y in range(years)]
    draws = [streams.household_uniforms("prevention_detection", y, reps, 0, n, 1)
             for y in range(years)]
    result = np.zeros((reps, n, years))
    for r in range(reps):
        env = simpy.Environment()
        for h in range(n):
            keys = set(plan.packages[plan.assignment[h]].keys)
            env.process(_household(env, scenario, registry, h, r, keys, villages[h],
                                   enterprises[h], shared, monthly, volatility, draws, result))
        env.run()
    return result


def _household(env: simpy.Environment, scenario: Scenario, registry: Registry, h: int, r: int,
               keys: set[str], village: int, enterprise: int, shared: _Shared,
               monthly: dict, volatility: list, draws: list, result: np.ndarray):
    shocks, dynamics = scenario.shocks, scenario.income
    years = scenario.horizon.years
    start = scenario.horizon.start_month_of(0)
    size = float(registry.size[h])
    laborers = float(registry.laborers[h])
    eligible = {
        "equity": laborers > 0, "pv": bool(registry.pv_site[h]), "employment": laborers > 0,
        "industry": laborers > 0,
    }
    keys = {k for k in keys if eligible[k]}
    counted = set(scenario.exit_rule.counted_sources)
    season = seasonal_weights(dynamics.farm_harvest_share, dynamics.harvest_months)
    # illness: chronically ill members at a higher hazard (shocks.illness_hazards, by hand)
    ill = float(min(max(registry.chronically_ill[h], 0), registry.size[h]))
    p = shocks.illness_probability_per_person_year
    p_chronic = min(p * shocks.chronic_illness_relative_risk, 1.0)
    h_healthy = -math.log1p(-p) if p < 1 else 1e6
    h_chronic = -math.log1p(-p_chronic) if p_chronic < 1 else 1e6
    hazard_sum = (size - ill) * h_healthy + ill * h_chronic
    p_ill = 1 - math.exp(-hazard_sum / 12)
    chronic_share = ill * h_chronic / hazard_sum if hazard_sum > 0 else 0.0
    p_dis = 1 - (1 - shocks.disability_probability_per_person_year) ** (size / 12)
    labourer_share = laborers / size
    per_labourer = 1 / laborers if laborers else 0.0
    sick_left = sick_share = disabled_share = 0.0
    eq = scenario.instruments.equity
    principal = eq.principal_yuan_per_person * float(
        equity_module.entitled_people(registry, eq)[h])
    rates = [e.dividend_rate if e.dividend_rate is not None else eq.dividend_rate
             for e in eq.enterprises] or [eq.dividend_rate]
    hazard = 1 - (1 - eq.failure_probability_over_term) ** (1 / (eq.term_years * 12))
    u_fail = shared.failure[r, enterprise]
    fails_at = (math.inf if hazard <= 0 else 0 if hazard >= 1
                else math.floor(math.log1p(-u_fail) / math.log1p(-hazard)))
    pv = scenario.instruments.pv
    pv_from = start + pv.construction_months
    job = scenario.instruments.employment
    place = (job.placement_probability_trained_per_month if job.training
             else job.placement_probability_per_month)
    search_from = start + (job.training_months if job.training else 0)
    separate = 1 - (1 - job.separation_probability_per_year) ** (1 / 12)
    gives_up = job.replaced_income_share / laborers if laborers else 0.0
    employed, wage = False, 0.0
    rho = dynamics.volatility_persistence
    state = None
    rewards = scenario.rewards
    industry_from = start + rewards.industry_setup_months
    passes = monthly["industry"][r, h, 0] < rewards.industry_success_probability
    reward = rewards.household_industry_yuan * (
        size if rewards.household_industry_basis == "per_person" else 1.0) * passes
    registered = registry.category[h] in REGISTERED_CATEGORIES
    calendar = scenario.calendar_years
    cap = shocks.inpatient_out_of_pocket_cap_share
    inpatient_share = [min(cap, shocks.out_of_pocket_share) if cap is not None and registered
                       and calendar[y] >= shocks.out_of_pocket_cap_from_year
                       else shocks.out_of_pocket_share for y in range(years)]
    outpatient = ill * shocks.chronic_outpatient_cost_yuan_per_person_year \
        * shocks.outpatient_out_of_pocket_share / 12
    medical = [0.0] * years
    income = {s: [0.0] * years for s in ("wages", "business", "property", "transfers",
                                         "equity_dividends", "pv_returns", "employment_wages",
                                         "industry_income", "household_reward")}
    expenses = [0.0] * years
    late: list[tuple[int, float]] = []
    for month in range(years * 12):
        y, m = divmod(month, 12)
        # shocks
        medical[y] += outpatient
        if monthly["illness"][y][r, h, m] < p_ill:
            medical[y] += shocks.medical_cost_yuan_per_episode * inpatient_share[y]
            who = monthly["illness_who"][y][r, h, m]
            if who < labourer_share:
                chronic = who / labourer_share < chronic_share
                sick_left = (shocks.chronic_work_months_lost_per_episode if chronic
                             else shocks.work_months_lost_per_episode)
                sick_share = per_labourer
        if monthly["disability"][y][r, h, m] < p_dis and \
                monthly["disability_who"][y][r, h, m] < labourer_share:
            disabled_share = min(disabled_share + per_labourer, 1.0)
        labour = (1 - disabled_share) * (1 - sick_share * min(sick_left, 1.0))
        sick_left = max(sick_left - 1, 0.0)
        # baseline income
        trend = (1 + dynamics.growth_per_year) ** (y + 1)
        sigma = dynamics.volatility_log_sd
        if m == 0:
            z = _normal(volatility[y][r, h, 0])
            state = z if state is None else rho * state + math.sqrt(1 - rho * rho) * z
        shock = trend * math.exp(sigma * state - sigma * sigma / 2)
        hit = shared.disaster[r, village, y] < shocks.disaster_probability_per_village_year
        business_factor = shock * (1 - shocks.disaster_business_loss_share * hit)
        own_wages = registry.wages[h] / 12 * shock * labour
        own_business = registry.business[h] * season[m] * business_factor * labour
        spent = registry.production_expenses[h] * season[m] * shock
        income["wages"][y] += own_wages
        income["business"][y] += own_business
        income["property"][y] += registry.property[h] * trend / 12
        income["transfers"][y] += registry.transfers[h] * trend / 12
        expenses[y] += spent
        # equity: dividends for the months held, from the plan's start
        if "equity" in keys and month >= start and m == eq.dividend_month - 1:
            held = min(12, month - start + 1)
            share = 1.0 if month < start + eq.term_years * 12 else eq.dividend_share_after_term
            if shared.underpay[r, enterprise, y] >= eq.underpay_probability_per_year and \
                    fails_at > month:
                income["equity_dividends"][y] += principal * rates[enterprise] * share * held / 12
        # PV: generates once built
        if "pv" in keys and month >= pv_from:
            weather = max(1 + pv.yield_year_sd * _normal(shared.pv_weather[r, y]), 0.0)
            if shared.pv_weak[r, y] < pv.weak_year_probability:
                weather *= pv.weak_year_yield_factor
            kwh = pv.kw_per_household * pv.specific_yield_kwh_per_kwp / 12 * \
                degradation_factor(pv, (month - pv_from) // 12) * weather
            revenue = kwh * pv.tariff_yuan_per_kwh * pv.household_share_of_revenue
            subsidy = revenue * pv.subsidy_share_of_tariff
            delayed = shared.pv_delay[r, y] < pv.settlement_delay_probability
            income["pv_returns"][y] += revenue - subsidy * delayed
            if delayed and month + pv.settlement_delay_months < years * 12:
                late.append((month + pv.settlement_delay_months, subsidy))
            expenses[y] += pv.om_cost_yuan_per_kw_year / 12 * pv.kw_per_household
        income["pv_returns"][y] += sum(amount for due, amount in late if due == month)
        # employment: separations move straight on or fall into unemployment
        if "employment" in keys and month >= start:
            u_end = monthly["job_separation"][y][r, h, m]
            falls = employed and u_end < separate and u_end >= separate * job.job_to_job_share
            if falls:
                employed = False
            if month >= search_from and not employed and not falls and \
                    monthly["job_search"][y][r, h, m] < place:
                employed = True
                wage = job.wage_yuan_per_month * math.exp(
                    job.wage_log_sd * _normal(monthly["job_wage"][y][r, h, m]))
            if employed:
                growth = (1 + job.wage_growth_per_year) ** y
                income["employment_wages"][y] += wage * growth * labour
                income["wages"][y] -= gives_up * own_wages
                income["business"][y] -= gives_up * (own_business - spent)
        # industry: verified after its set-up months; the reward arrives after verification
        if "industry" in keys and month >= industry_from:
            income["industry_income"][y] += rewards.industry_income_yuan_per_year / 12 * passes
        if "industry" in keys and month == industry_from + rewards.verification_delay_months:
            income["household_reward"][y] += reward
        yield env.timeout(1)
    before = [sum(v[y] for s, v in income.items() if s in counted) - expenses[y]
              for y in range(years)]
    result[r, h] = _assisted(scenario, registry, h, before, medical,
                             [draws[y][r, h, 0] for y in range(years)]) / size


def _assisted(scenario: Scenario, registry: Registry, h: int, counted: list[float],
              medical: list[float], detection: list[float]) -> np.ndarray:
    """One household's counted income after the county's assistance, year by year: the dibao
    top-up, then 防返贫 help (simulator.assistance, written out for one household)."""
    size, laborers = float(registry.size[h]), int(registry.laborers[h])
    registered = registry.category[h] in REGISTERED_CATEGORIES
    by_safety_net = laborers == 0 and scenario.exit_rule.safety_net_exit
    lines = (scenario.safety_net_lines_yuan_per_capita if by_safety_net
             else scenario.lines_yuan_per_capita)
    standards = scenario.dibao_standards_yuan_per_capita
    covered = laborers == 0 or scenario.safety_net.covers == "every_eligible"
    counts = set(scenario.exit_rule.counted_sources)
    prevention, watch = scenario.prevention, scenario.watch
    first = prevention.active_from(scenario.calendar_years)
    remaining = prevention.remaining_poor_from(scenario.calendar_years)
    income = []
    exited = followed = False
    for y, total in enumerate(counted):
        if covered and "dibao_topup" in counts:
            total = max(total, standards[y] * size)
        watched = first is not None and y >= first and (not registered or exited)
        pushed = remaining is not None and y >= remaining and registered and not exited
        if not by_safety_net and (watched or pushed):
            flagged = total / size < scenario.poverty_line.at_risk_multiple * lines[y]
            if y > 0:
                last = income[y - 1]
                flagged |= medical[y] > watch.rigid_spending_multiple * max(last, 0.0)
                flagged |= last > 0 and total <= (1 - watch.income_drop_share) * last
            found = flagged and (
                followed or detection[y] < prevention.detection_probability_per_year)
            short = prevention.help_target_multiple * lines[y] * size - total
            if found and laborers > 0 and short > 0 and "prevention_help" in counts:
                total += min(math.ceil(short + 0.5),
                             prevention.max_help_yuan_per_person_year * size)
            followed = found
        else:
            followed = False
        income.append(total)
        exited = exited or total / size >= lines[y]
    return np.array(income)
