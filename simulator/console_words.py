"""What the ``tuopin`` commands print, in Chinese and English: one template per line shape.

The command line speaks the language of ``--lang`` (Chinese by default, as the documents);
:func:`say` fills a template. Money is in 万元 in both languages, as the proposal shows it;
names of fields, instruments, plans and stages come from their own homes
(:mod:`simulator.parameter_texts`, :mod:`simulator.labels`, :mod:`simulator.progress`).
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    # the households
    "population": {"en": "{households:,} households, {people:,} people ({source})",
                   "zh": "{households:,} 户、{people:,} 人（{source}）"},
    "synthetic_source": {"en": "synthetic ({name}, seed {seed})",
                         "zh": "合成名册（{name}，随机种子 {seed}）"},
    "calibration": {"en": "calibration: {ok} of {n} aggregates match their targets (see {path})",
                    "zh": "校准：{n} 项合计中有 {ok} 项与目标一致（见 {path}）"},
    "income_above_line": {"en": "{n:,} registered households have per-capita net income at or "
                                "above the registration line ({line:,.0f} yuan)",
                          "zh": "有 {n:,} 户建档立卡户的人均纯收入已达到或超过建档标准"
                                "（{line:,.0f} 元）"},
    "unused_columns": {"en": "columns not used by tuopin: {columns}",
                       "zh": "tuopin 没有用到的列：{columns}"},
    "valid": {"en": "ok: {path} — {name}: {first}–{last}, {plan_years} plan years",
              "zh": "通过：{path} — {name}：{first}–{last} 年，规划 {plan_years} 年"},
    "valid_registry": {"en": "; registry {population}", "zh": "；名册 {population}"},
    "valid_synthetic": {"en": "; synthetic population of {households:,} households, {people:,} "
                              "people",
                        "zh": "；合成人口 {households:,} 户、{people:,} 人"},
    "wrote_registry": {"en": "wrote {output}: {population}", "zh": "已写出 {output}：{population}"},
    "aggregates_off": {"en": "{n} aggregates do not match their targets",
                       "zh": "有 {n} 项合计与目标不一致"},
    "calibration_columns": {"en": "aggregate|target|generated|ok",
                            "zh": "汇总项|目标值|生成值|一致"},
    # the headline
    "simulated": {"en": "county plan simulated: {reps} replications, seed {seed}",
                  "zh": "县里的方案已模拟：{reps} 次模拟，随机种子 {seed}"},
    "returns": {"en": "returns to poverty {n:,.0f} households", "zh": "返贫 {n:,.0f} 户"},
    "added": {"en": "stable exits added over no support: {mean:+,.0f} households "
                    "(95 % CI {low:+,.0f} to {high:+,.0f})",
              "zh": "比不扶持新增稳定脱贫：{mean:+,.0f} 户"
                    "（95% 置信区间 {low:+,.0f} 至 {high:+,.0f}）"},
    "cost": {"en": "cost per added stable exit: {gross} gross, {net} net of equity principal "
                   "the county keeps",
             "zh": "每新增一户稳定脱贫的成本：总额 {gross}，扣除县里保留的入股本金后 {net}"},
    "yuan": {"en": "{value:,.0f} yuan", "zh": "{value:,.0f} 元"},
    "nothing_added": {"en": "n/a (nothing added)", "zh": "无（没有新增）"},
    "stable": {"en": "stable exits {n:,.0f} households: {income:,.0f} by income, {net:,.0f} "
                     "through the safety net; {alone:,.0f} with no support at all",
               "zh": "稳定脱贫 {n:,.0f} 户：靠收入 {income:,.0f} 户，政策兜底 {net:,.0f} 户；"
                     "不扶持也能稳定脱贫的 {alone:,.0f} 户"},
    "outlays": {"en": "outlays {gross:,.0f} 万元 gross, net fiscal cost {net:,.0f} 万元",
                "zh": "资金支出 {gross:,.0f} 万元，财政净成本 {net:,.0f} 万元"},
    "assistance": {"en": "county's own assistance (not the fund's): dibao top-up {wan:,.0f} 万元 "
                         "over the horizon",
                   "zh": "县里自有的救助（不占奖补资金）：模拟期内低保补差 {wan:,.0f} 万元"},
    "helped_year": {"en": "{year}: {n:,.0f}", "zh": "{year} 年 {n:,.0f} 户"},
    "prevention": {"en": "防返贫 help: households helped {years}; {wan:,.0f} 万元 (in the net "
                         "fiscal cost); {kept:,.0f} stable exits only the help keeps",
                   "zh": "防返贫帮扶：帮扶 {years}；{wan:,.0f} 万元（计入财政净成本）；"
                         "只靠帮扶保住的稳定脱贫 {kept:,.0f} 户"},
    # the goal "targets"
    "goal_targets": {"en": "goal: the least-cost plan ({basis} outlays) meeting each year's exit "
                           "target in {confidence} of replications",
                     "zh": "目标：以最低成本（按{basis}）"
                           "在 {confidence} 的模拟情形中达到每年的脱贫目标"},
    "basis_gross": {"en": "gross", "zh": "总支出"},
    "basis_net": {"en": "net", "zh": "净支出"},
    "state_out_of_reach": {"en": "out of reach: the most any allocation has exited by then is "
                                 "{n:,.0f} on average",
                           "zh": "无法达到：任何分配到那时平均最多脱贫 {n:,.0f} 人"},
    "state_met": {"en": "met within the budgets and limits",
                  "zh": "在预算和各项限制之内可以达到"},
    "state_needs_additions": {"en": "needs the additions below", "zh": "需要下面的追加"},
    "state_unmet": {"en": "not met even with more money and capacity",
                    "zh": "追加资金和容量也达不到"},
    "target_year": {"en": "{year}: target {target:,.0f} people exited; {reach}; the plan has "
                          "{exited:,.0f} exited in {confidence} of fresh replications (meets it "
                          "in {share})",
                    "zh": "{year} 年：目标脱贫 {target:,.0f} 人；{reach}；"
                          "本方案在 {confidence} 的检验情形中至少脱贫 {exited:,.0f} 人"
                          "（{share} 的情形达到目标）"},
    "additions": {"en": "the cheapest additions that meet them (their own cost {wan:,.1f} 万元, "
                        "money added counted in the plan's outlays):",
                  "zh": "达到目标最便宜的追加（追加本身的费用 {wan:,.1f} 万元；"
                        "追加的资金计入方案支出）："},
    "addition": {"en": "{name}: {before} → {after}", "zh": "{name}：{before} → {after}"},
    "plan_with": {"en": "to plan with them: ", "zh": "按这些追加编制方案："},
    "blocked": {"en": "out of reach even with more money and capacity; what still binds: ",
                "zh": "追加资金和容量也达不到；仍然受限于："},
    # the allocation
    "optimised": {"en": "optimised ({objective}, {solver}): {status}, gap {gap}, build "
                        "{build:.1f} s, solve {solve:.1f} s",
                  "zh": "已优化（{objective}，求解器 {solver}）：{status}，最优性差距 {gap}，"
                        "建模 {build:.1f} 秒，求解 {solve:.1f} 秒"},
    "objective_expected": {"en": "expected", "zh": "期望稳定脱贫最多"},
    "objective_cvar": {"en": "cvar", "zh": "兼顾最差情形"},
    "gap_none": {"en": "n/a", "zh": "无"},
    "fresh": {"en": "on fresh replications:", "zh": "在新的模拟情形中检验："},
    "asked": {"en": "asked ({basis}): {asked} 万元", "zh": "申请资金（{basis}）：{asked} 万元"},
    "request_needed": {"en": "needed", "zh": "按所需"},
    "request_budget": {"en": "budget", "zh": "按预算全额"},
    "asked_year": {"en": "{year}: {wan:,.0f}", "zh": "{year} 年 {wan:,.0f}"},
    "unspent": {"en": "; unspent {years} 万元, {why}", "zh": "；结余 {years} 万元，{why}"},
    "limited_by": {"en": "limited by {limits}", "zh": "受限于{limits}"},
    "not_worth": {"en": "nothing more is worth buying at its price",
                  "zh": "按价格已没有值得再买的措施"},
    "fall_back": {"en": "of the households exiting by income, {mean:.1f} % fall back in the year "
                        "after their exit (95 % interval {low:.1f} to {high:.1f} %)",
                  "zh": "靠收入脱贫的户中，{mean:.1f}% 在脱贫次年返贫（95% 区间 {low:.1f}% 至 "
                        "{high:.1f}%）"},
    "baseline": {"en": "vs {name}: {added:+,.0f} added stable exits at {cost} each; optimised "
                       "gain {gain:+,.1f} (95 % CI {low:+,.1f} to {high:+,.1f})",
                 "zh": "对比{name}：新增稳定脱贫 {added:+,.0f} 户，每户 {cost}；"
                       "优化方案多出 {gain:+,.1f} 户（95% 置信区间 {low:+,.1f} 至 {high:+,.1f}）"},
    "breaks": {"en": "breaks ", "zh": "突破了："},
    "broken_money": {"en": "{row}: {used:,.0f} 万元 used, {allowed:,.0f} 万元 allowed",
                     "zh": "{row}：用了 {used:,.0f} 万元，上限 {allowed:,.0f} 万元"},
    "broken": {"en": "{row}: {used:,.0f} used, {allowed:,.0f} allowed",
               "zh": "{row}：用了 {used:,.0f}，上限 {allowed:,.0f}"},
    "shadow_prices": {"en": "extra stable exits per extra 10,000 yuan: {prices}",
                      "zh": "每多 1 万元预算多出的稳定脱贫户数：{prices}"},
    "year_value": {"en": "{year}: {value}", "zh": "{year} 年 {value}"},
    "coverage": {"en": "帮扶全覆盖 (every registered household with labour a measure): "
                       "{households:,} households given one; it costs {given:,.1f} stable exits "
                       "(95 % CI {low:,.1f} to {high:,.1f}) and {spends} the plan without it",
                 "zh": "帮扶全覆盖（每户有劳动能力的建档立卡户至少一项措施）："
                       "为 {households:,} 户安排了措施；代价是稳定脱贫少 {given:,.1f} 户"
                       "（95% 置信区间 {low:,.1f} 至 {high:,.1f}），{spends}"},
    "spends_more": {"en": "spends {wan:,.0f} 万元 more than",
                    "zh": "比不设此要求的方案多花 {wan:,.0f} 万元"},
    "spends_less": {"en": "spends {wan:,.0f} 万元 less than",
                    "zh": "比不设此要求的方案少花 {wan:,.0f} 万元"},
    "binds_unit": {"en": "binds: {name} ({row}): {price:.4g} stable exits per {unit}",
                   "zh": "受限：{name}，每多 1 {unit}多出 {price:.4g} 户稳定脱贫"},
    "binds_rule": {"en": "binds: {name} ({row}): {price:.4g} stable exits per unit of the rule",
                   "zh": "受限：{name}，该要求每放宽一个单位多出 {price:.4g} 户稳定脱贫"},
    "frontier": {"en": "budget frontier (added stable exits): {levels}",
                 "zh": "预算—脱贫曲线（新增稳定脱贫户数）：{levels}"},
    "frontier_level": {"en": "{factor:g}×: {added:+,.0f}", "zh": "{factor:g} 倍预算 {added:+,.0f}"},
    "targets_met_from": {"en": "exit targets met from {factor:.2f}× the budgets ({amounts})",
                         "zh": "预算增至 {factor:.2f} 倍（{amounts}）时达到脱贫目标"},
    "targets_not_met": {"en": "exit targets not met up to {factor:g}× the budgets (people "
                              "short: {short})",
                        "zh": "预算增至 {factor:g} 倍仍达不到脱贫目标（差的人数：{short}）"},
    "sensitive_to": {"en": "most sensitive to: ", "zh": "结论最敏感的参数："},
    # the early-warning list (tuopin watch)
    "watch_head": {"en": "{scenario}: watch year {year}, line {line:,.0f} yuan per person",
                   "zh": "{scenario}：监测年份 {year}，监测线每人 {line:,.0f} 元"},
    "watch_listed": {"en": "{listed:,} households listed: the model's {model:,} riskiest and "
                           "every flagged one ({flagged})",
                     "zh": "列入名单 {listed:,} 户：模型判断风险最高的 {model:,} 户，"
                           "加上按规则识别的每一户（{flagged}）"},
    "watch_flag": {"en": "{name} {n:,}", "zh": "{name} {n:,} 户"},
    "watch_below": {"en": "expected households below the line: {n:,.1f}",
                    "zh": "预计低于监测线的户数：{n:,.1f}"},
    "watch_recalibrated": {"en": "risks recalibrated on {year}'s recorded incomes (slope "
                                 "{slope:.2f})",
                           "zh": "风险已按 {year} 年记录的收入重新校准（斜率 {slope:.2f}）"},
    "watch_support": {"en": "suggested support within {budget:,.1f} 万元: {households:,} "
                            "households for {cost:,.1f} 万元; expected households kept above "
                            "the line {kept:,.1f} against {without:,.1f} without",
                      "zh": "在 {budget:,.1f} 万元之内建议帮扶 {households:,} 户，"
                            "花费 {cost:,.1f} 万元；预计保持在监测线以上的户数 {kept:,.1f}，"
                            "不帮扶时 {without:,.1f}"},
    "watch_synthetic": {"en": "the monitoring records are synthetic (simulated), not real data",
                        "zh": "监测记录是模拟生成的，不是真实数据"},
    "watch_synthetic_file": {"en": "synthetic monitoring records (not real data): {path}",
                             "zh": "模拟生成的监测记录（不是真实数据）：{path}"},
    "watch_wrote": {"en": "wrote watchlist.xlsx, watchlist.csv and summary.json to {directory}",
                    "zh": "已写出 watchlist.xlsx、watchlist.csv 和 summary.json，在 {directory}"},
    # the early-warning backtest (tuopin watch --backtest)
    "backtest_head": {"en": "{scenario}: backtest of watch year {year} on {worlds} synthetic "
                            "histories, K = {k:,} households",
                      "zh": "{scenario}：对监测年份 {year} 的回测，{worlds} 段模拟历史，"
                            "名单 K = {k:,} 户"},
    "percent_interval": {"en": "{mean:.1f} % (95 % interval {low:.1f}–{high:.1f})",
                         "zh": "{mean:.1f}%（95% 区间 {low:.1f}–{high:.1f}）"},
    "backtest_precision": {"en": "precision at K: model {model}, triggers alone {rules}",
                           "zh": "名单准确率（前 K 户）：模型 {model}，只用规则 {rules}"},
    "backtest_recall": {"en": "recall at K: model {model}, triggers alone {rules}",
                        "zh": "名单覆盖率（前 K 户）：模型 {model}，只用规则 {rules}"},
    "backtest_gain": {"en": "recall gain of the model: {mean:+.1f} points (95 % CI {low:+.1f} to "
                            "{high:+.1f}), paired by history",
                      "zh": "模型比规则多覆盖 {mean:+.1f} 个百分点（95% 置信区间 {low:+.1f} 至 "
                            "{high:+.1f}，按历史配对）"},
    "backtest_calibration": {"en": "calibration: {inside} of {n} deciles of predicted risk inside "
                                   "their band (95 % jointly)",
                             "zh": "校准：预测风险的 {n} 个十分位组中有 {inside} 个落在区间内"
                                   "（联合 95%）"},
    "backtest_synthetic": {"en": "the histories are synthetic (simulated by the model), not real "
                                 "data",
                           "zh": "这些历史是模型模拟的，不是真实数据"},
    "backtest_wrote": {"en": "wrote backtest.json and backtest_calibration.csv to {directory}",
                       "zh": "已写出 backtest.json 和 backtest_calibration.csv，在 {directory}"},
    # calibration (tuopin calibrate)
    "calibrated": {"en": "{name}: fitted {n} parameters in {simulations} simulations (objective "
                         "{start:.3f} → {end:.3f})",
                   "zh": "{name}：拟合了 {n} 个参数，共 {simulations} 次模拟"
                         "（目标函数 {start:.3f} → {end:.3f}）"},
    "fitted": {"en": "{name} = {value:g} (was {before:g})",
               "zh": "{name} = {value:g}（原为 {before:g}）"},
    "targets_inside": {"en": "{use} targets inside their band on fresh random numbers: {inside} "
                             "of {n}",
                       "zh": "{use}目标在新的随机数下落在区间内的：{n} 个中有 {inside} 个"},
    "use_fit": {"en": "fit", "zh": "拟合"},
    "use_validation": {"en": "validation", "zh": "验证"},
    "target_check": {"en": "{mark} {name}: published {published:g}, simulated {mean:.4g} "
                           "({low:.4g}–{high:.4g})",
                     "zh": "{mark} {name}：公布值 {published:g}，模拟值 {mean:.4g}（{low:.4g}–"
                           "{high:.4g}）"},
    "inside_mark": {"en": "ok ", "zh": "✓"},
    "outside_mark": {"en": "OUT", "zh": "✗"},
    # scenarios compared (tuopin compare)
    "compared": {"en": "{n} scenarios on common random numbers: {reps} replications, seed {seed}",
                 "zh": "{n} 个情景，使用相同的随机数：{reps} 次模拟，随机种子 {seed}"},
    "compared_scenario": {"en": "{name}: {added:+,.1f} stable exits added over no support at "
                                "{cost} each; stable exits in all {stable}",
                          "zh": "{name}：比不扶持新增稳定脱贫 {added:+,.1f} 户，每户 {cost}；"
                                "稳定脱贫合计 {stable}"},
    "beats": {"en": "beats", "zh": "更好"},
    "trails": {"en": "trails", "zh": "更差"},
    "even": {"en": "is not distinguishable from", "zh": "无法区分"},
    "difference": {"en": "{scenario} {verb} {against}: {mean:+,.1f} ± {half:,.1f} added stable "
                         "exits (paired 95 % CI {low:+,.1f} to {high:+,.1f})",
                   "zh": "{scenario}与{against}相比{verb}：新增稳定脱贫相差 "
                         "{mean:+,.1f} ± {half:,.1f} 户（配对 95% 置信区间 {low:+,.1f} 至 "
                         "{high:+,.1f}）"},
    # a province (tuopin province)
    "province": {"en": "{name}: {counties} counties, {households:,} households, on {runner}",
                 "zh": "{name}：{counties} 个县，{households:,} 户，运行于{runner}"},
    "province_added": {"en": "stable exits added over no support: {mean:,.1f} (95 % CI "
                             "{low:,.1f}–{high:,.1f}), {cost} per added exit (net {net})",
                       "zh": "比不扶持新增稳定脱贫：{mean:,.1f} 户（95% 置信区间 {low:,.1f}–"
                             "{high:,.1f}），每新增一户 {cost}（净成本 {net}）"},
    "province_bound": {"en": "in-sample {objective:,.1f} expected stable exits, bound "
                             "{bound:,.1f} (gap {gap:.3f} %)",
                       "zh": "测算用模拟中预期稳定脱贫 {objective:,.1f} 户，上界 {bound:,.1f}"
                             "（差距 {gap:.3f}%）"},
    "province_county": {"en": "{name}: budget {budget}, adds {added:,.1f} stable exits",
                        "zh": "{name}：分得资金 {budget}，新增稳定脱贫 {added:,.1f} 户"},
    # the run cache (tuopin cache)
    "cache_off": {"en": "the run cache is off (TUOPIN_CACHE=off)",
                  "zh": "运行缓存已关闭（TUOPIN_CACHE=off）"},
    "cache_cleared": {"en": "removed {n} kept runs from {directory}",
                      "zh": "已从 {directory} 删除 {n} 个保存的运行"},
    "cache_state": {"en": "run cache: {directory}: {n} runs, {mb:,.0f} MB (at most {limit:,.0f} "
                          "MB; the least recently used are removed beyond it)",
                    "zh": "运行缓存：{directory}：{n} 个运行，{mb:,.0f} MB（上限 {limit:,.0f} MB，"
                          "超出时删除最久未用的）"},
    # files
    "proposal_files": {"en": "budget proposal: {html} and {xlsx}",
                       "zh": "预算方案：{html} 和 {xlsx}"},
    "wrote_with_manifest": {"en": "wrote {n} files and {manifest} to {directory}",
                            "zh": "已写出 {n} 个文件和 {manifest}，在 {directory}"},
    "wrote": {"en": "wrote {n} files to {directory}", "zh": "已写出 {n} 个文件，在 {directory}"},
    "note": {"en": "note: {text}", "zh": "提示：{text}"},
    "aborted": {"en": "aborted", "zh": "已中止"},
    "internal_error": {"en": "internal error: this is a bug in tuopin; please report it with the "
                             "command and the traceback above",
                       "zh": "内部错误：这是 tuopin 本身的缺陷，"
                             "请把上面的命令和报错信息一起报告给开发者"},
    "usage_hint": {"en": " (see {command} -h)", "zh": "（用“{command} -h”查看用法）"},
}
"""Every line the commands print, by key: ``{"en": …, "zh": …}`` templates for
:meth:`str.format`."""

SEPARATOR = {"en": ", ", "zh": "，"}
"""Between the items of a list in a line."""


def say(key: str, lang: str, **values: object) -> str:
    """The line ``key`` in ``lang`` (English unless ``lang`` is ``zh``), filled with ``values``."""
    return WORDS[key]["zh" if lang == "zh" else "en"].format(**values)


def joined(items: list[str], lang: str) -> str:
    """Items of a list in one line, with the language's separator."""
    return SEPARATOR["zh" if lang == "zh" else "en"].join(items)
