"""The page's words in Chinese (the default) and English. Words of the model — instruments,
packages, categories, the proposal's tables — come from :mod:`simulator.labels`,
:mod:`simulator.vocabulary` and the proposal itself; only the page's own words are here."""

from __future__ import annotations

from simulator.labels import TEXT
from simulator.proposal.text import WORDS as PROPOSAL_WORDS

WORDS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "脱贫 · 以奖代补资金预算", "en": "tuopin · poverty-exit budget"},
    "other_language": {"zh": "English", "en": "中文"},
    "nav_start": {"zh": "开始", "en": "Start"},
    "nav_runs": {"zh": "运行记录", "en": "Runs"},
    "nav_compare": {"zh": "方案比较", "en": "Compare"},
    "offline_note": {"zh": "本页面只在本机运行，不连接互联网。",
                     "en": "This page runs on this computer only and uses no internet."},
    # start
    "start_title": {"zh": "第一步：选择情景和农户名册", "en": "Step 1: scenario and registry"},
    "scenario": {"zh": "情景", "en": "Scenario"},
    "bundled_scenario": {"zh": "内置情景", "en": "Bundled scenario"},
    "upload_scenario": {"zh": "或上传情景文件（.toml）", "en": "or upload a scenario file (.toml)"},
    "registry": {"zh": "农户名册", "en": "Household registry"},
    "upload_registry": {"zh": "上传建档立卡名册（CSV、xlsx 或 xls；可不传，使用情景自带的农户）",
                        "en": "Upload a registry (CSV, xlsx or xls; optional: without one the "
                              "scenario's own households are used)"},
    "max_size": {"zh": "文件不超过 {mb} MB。", "en": "Files up to {mb} MB."},
    "next": {"zh": "下一步", "en": "Next"},
    "households_read": {"zh": "已读入 {households} 户、{people} 人（{source}）。",
                        "en": "Read {households} households, {people} people ({source})."},
    "reading_notes": {"zh": "读取说明", "en": "Notes from reading"},
    "problems_found": {"zh": "发现以下问题，请修改文件后重新上传：",
                       "en": "Please fix these problems in the file and upload it again:"},
    "problem_where": {"zh": "位置", "en": "Where"},
    "problem_message": {"zh": "问题", "en": "Problem"},
    "problem_row": {"zh": "该行内容", "en": "That row"},
    "too_large": {"zh": "文件太大：{name} 超过 {mb} MB。", "en": "File too large: {name} is over {mb} MB."},
    "wrong_suffix": {"zh": "{name}：不支持的文件类型，应为 {suffixes}。",
                     "en": "{name}: unsupported file type; expected {suffixes}."},
    "unknown_scenario": {"zh": "没有这个内置情景：{name}", "en": "No bundled scenario {name}"},
    # set
    "set_title": {"zh": "第二步：设定预算和选项", "en": "Step 2: budgets and choices"},
    "section_budgets": {"zh": "年度预算和脱贫目标", "en": "Yearly budgets and exit targets"},
    "section_rules": {"zh": "预算规则和优化目标", "en": "Budget rule and objective"},
    "section_instruments": {"zh": "扶持措施", "en": "Instruments"},
    "section_capacities": {"zh": "容量和上限（不填：沿用情景设定）",
                           "en": "Capacities and caps (empty: as in the scenario)"},
    "section_simulation": {"zh": "模拟设置", "en": "Simulation"},
    "switch_help": {"zh": "只勾选县里提供的帮扶措施：优化方案和用于比较的简单分配规则都只使用这些措施。",
                    "en": "Tick the instruments the county offers: the optimised plan and the "
                          "simple rules it is compared with use only these."},
    "source": {"zh": "来源", "en": "Source"},
    "unit": {"zh": "单位", "en": "Unit"},
    "allowed": {"zh": "取值", "en": "Allowed"},
    "wan": {"zh": "万元", "en": "10,000 yuan"},
    "run": {"zh": "开始计算", "en": "Run"},
    "settings_problems": {"zh": "设定有误，请修改：", "en": "Please correct these settings:"},
    "inputs": {"zh": "输入", "en": "Inputs"},
    "no_registry": {"zh": "情景自带的农户", "en": "the scenario's own households"},
    # run
    "run_title": {"zh": "第三步：计算", "en": "Step 3: running"},
    "run_number": {"zh": "第 {number} 次计算", "en": "Run {number}"},
    "status_draft": {"zh": "待设定", "en": "not started"},
    "status_running": {"zh": "计算中", "en": "running"},
    "status_done": {"zh": "已完成", "en": "finished"},
    "status_failed": {"zh": "失败", "en": "failed"},
    "status_cancelled": {"zh": "已取消", "en": "cancelled"},
    "cancel": {"zh": "取消计算", "en": "Cancel"},
    "elapsed": {"zh": "已用时 {seconds} 秒", "en": "{seconds} s so far"},
    "starting": {"zh": "正在启动……", "en": "starting …"},
    "busy": {"zh": "已有一项计算正在进行（每次只能运行一项）。", "en": "A run is already going (one at a time)."},
    "see_running": {"zh": "查看正在进行的计算", "en": "See the running job"},
    "failed_title": {"zh": "计算失败", "en": "The run failed"},
    "crashed": {"zh": "程序内部错误（请将以下内容报告给维护者）：",
                "en": "Internal error (please report the text below):"},
    "last_good": {"zh": "上一次成功的结果仍然可用：", "en": "The last good results are still there:"},
    "cancelled_note": {"zh": "计算已取消。", "en": "The run was cancelled."},
    "change_and_rerun": {"zh": "修改设定再算一次", "en": "Change settings and run again"},
    # results
    "results_title": {"zh": "第四步：查看结果", "en": "Step 4: results"},
    "cover": {"zh": "方案要点", "en": "Key figures"},
    "charts": {"zh": "图表", "en": "Charts"},
    "downloads": {"zh": "下载", "en": "Downloads"},
    # the proposal's own words for the mark, so that page and documents say the same
    "preview_banner": dict(zip(("zh", "en"), PROPOSAL_WORDS["preview_mark"], strict=True)),
    "preview_interval": {
        "zh": "预览的区间只反映这个预览方案在新模拟情形中的波动；正式运行用更多模拟情形重新优化，"
              "通常找到更好的方案，结果可能落在这个区间之外。",
        "en": "A preview's interval covers only the spread of this preview's plan on fresh "
              "replications; a 正式 run optimises on more replications, usually finds a better "
              "plan, and its answer may lie outside this interval."},
    "preview_outside_formal": {
        "zh": "注意：同样设置的正式运行（第 {number} 号）新增稳定脱贫 {formal:,} 户，在本预览的区间"
              "（{low:,}–{high:,}）之外。预览只用少量模拟情形优化，方案较差，区间也只反映本方案的波动；"
              "请以正式运行为准。",
        "en": "Note: the 正式 run of the same settings (run {number}) adds {formal:,} stable exits, "
              "outside this preview's interval ({low:,}–{high:,}). A preview optimises on few "
              "replications, so its plan is worse and its interval covers only its own spread; "
              "go by the 正式 run."},
    "preview_inside_formal": {
        "zh": "同样设置的正式运行（第 {number} 号）新增稳定脱贫 {formal:,} 户，在本预览的区间"
              "（{low:,}–{high:,}）之内。",
        "en": "The 正式 run of the same settings (run {number}) adds {formal:,} stable exits, "
              "inside this preview's interval ({low:,}–{high:,})."},
    "changed_settings": {"zh": "两次计算的不同设置", "en": "Settings that differ"},
    "no_changed_settings": {"zh": "两次计算的设置相同。", "en": "Both runs have the same settings."},
    "section_assumptions": {"zh": "主要假设（可按本县实际修改）", "en": "Main assumptions (change them to the county's figures)"},
    "section_enterprises": {"zh": "入股企业", "en": "Enterprises taking equity"},
    "enterprise_name": {"zh": "企业名称", "en": "Name"},
    "enterprise_absorption": {"zh": "可吸收入股资金（万元）", "en": "Equity it can take (10,000 yuan)"},
    "enterprise_dividend": {"zh": "年分红率（%，空着按统一分红率）", "en": "Dividend rate (%, empty: the scheme's)"},
    "enterprises_help": {"zh": "清空企业名称即删除该企业；在空行填写可增加企业。名称带“（假设）”的是情景的假设，请换成本县实际合作企业。", "en": "Empty a name to remove an enterprise; fill the empty row to add one. Names marked （假设） are the scenario's assumptions: replace them with the county's own."},
    "run_naming": {"zh": "方案名称和说明（保存在运行记录中）", "en": "Name and note (kept in the runs list)"},
    "run_name_label": {"zh": "方案名称", "en": "Name"},
    "run_note_label": {"zh": "说明（改了什么、为什么）", "en": "Note (what changed, and why)"},
    "run_column": {"zh": "计算", "en": "Run"},
    "run_name_column": {"zh": "名称与说明", "en": "Name and note"},
    "run_date_column": {"zh": "时间", "en": "When"},
    "run_headline_column": {"zh": "结果", "en": "Headline"},
    "run_inputs_column": {"zh": "情景与名册", "en": "Scenario and registry"},
    "run_status_column": {"zh": "状态", "en": "Status"},
    "run_headline": {"zh": "新增稳定脱贫 {added} 户（{low}–{high}）", "en": "+{added} stable exits ({low}–{high})"},
    "run_asked": {"zh": "申请 {wan} 万元", "en": "asks {wan} (10,000 yuan)"},
    "run_derived": {"zh": "由第 {number} 次修改", "en": "from run {number}"},
    "delete": {"zh": "删除", "en": "Delete"},
    "rename": {"zh": "名称与说明", "en": "Name and note"},
    "save_name": {"zh": "保存", "en": "Save"},
    "delete_confirm": {"zh": "删除这次计算及其全部文件？", "en": "Delete this run and all its files?"},
    "settings_file": {"zh": "保存本次设置（.toml，以后在“开始”页作为情景文件上传即可重新打开）", "en": "Save these settings (.toml; upload it as the scenario file to open them again)"},
    "time_left": {"zh": "预计还需约 {minutes} 分 {seconds} 秒", "en": "about {minutes} min {seconds} s left"},
    "time_left_unknown": {"zh": "正在估计剩余时间……", "en": "estimating the time left…"},
    "switch_idle": {"zh": "（已开启，但没有可享受的农户：例如易地扶贫搬迁须在情景中列出搬迁村，公益岗位须设每村岗位数）", "en": "(on, but no household may take it: relocation needs the villages listed, posts a number per village)"},
    "precision": {"zh": "计算精度", "en": "Precision"},
    "precision_final": {"zh": "正式：按情景设定的重复模拟次数计算，结果可用于报送", "en": "Final: the scenario's replications; results can be filed"},
    "precision_preview": {"zh": "预览：少量重复模拟，约一分钟内出结果，只用于试算（文件标明“不可报送”）", "en": "Preview: few replications, a quick try; documents are marked not for filing"},
    "technical_files": {"zh": "技术文件（供分析人员和程序使用）", "en": "Technical files (for analysts and scripts)"},
    "file_proposal.html": {"zh": "预算方案网页版：一个文件，可直接打印为 A4", "en": "The proposal as one web page; prints on A4"},
    "file_proposal.xlsx": {"zh": "预算方案电子表格：汇总、分年度、分乡镇、一户一策等各表", "en": "The proposal's workbook: totals, years, townships, per household"},
    "file_proposal.docx": {"zh": "预算方案 Word 版：可编辑后报送，附一户一策", "en": "The proposal in Word, to edit and file, with the per-household annex"},
    "file_proposal.pdf": {"zh": "预算方案 PDF 版：与网页版相同的 A4 页面", "en": "The proposal as PDF: the web page's A4 pages"},
    "file_allocation.csv": {"zh": "分户安排表：每户的扶持方案、费用和稳定脱贫把握", "en": "Per household: package, cost and chance of a stable exit"},
    "file_summary.json": {"zh": "全部结果数字（JSON），供程序读取", "en": "Every figure of the run (JSON), for scripts"},
    "file_manifest.json": {"zh": "本次计算的输入、版本和文件校验值", "en": "The run's inputs, version and file checksums"},
    "registry_template": {"zh": "下载名册模板（xlsx，中文表头，含一行示例）", "en": "Download a registry template (xlsx, Chinese headers, one example row)"},
    "households_link": {"zh": "逐户安排（一户一策）", "en": "Household allocation"},
    "download_proposal": {"zh": "预算方案", "en": "Budget proposal"},
    "download_allocation": {"zh": "逐户安排表 allocation.csv", "en": "allocation.csv"},
    "download_summary": {"zh": "结果摘要 summary.json", "en": "summary.json"},
    "download_manifest": {"zh": "文件清单 manifest.json", "en": "manifest.json"},
    # households
    "search": {"zh": "搜索户编号、户主或村", "en": "Search household, head or village"},
    "all": {"zh": "全部", "en": "all"},
    "filter": {"zh": "筛选", "en": "Filter"},
    "shown_of": {"zh": "共 {count} 户，显示第 {first}–{last} 户", "en": "{count} households, showing {first}–{last}"},
    "none_found": {"zh": "没有符合条件的农户。", "en": "No household matches."},
    "previous": {"zh": "上一页", "en": "previous"},
    "following": {"zh": "下一页", "en": "next"},
    "household_id": {"zh": "户编号", "en": "household"},
    "head_name": {"zh": "户主", "en": "head"},
    "township": {"zh": "乡镇", "en": "township"},
    "village": {"zh": "村", "en": "village"},
    "category": {"zh": "类别", "en": "category"},
    "package": {"zh": "扶持方案", "en": "package"},
    "size": {"zh": "人口", "en": "people"},
    "cost_plan": {"zh": "规划期费用（元）", "en": "cost over the plan, yuan"},
    "p_stable": {"zh": "稳定脱贫把握", "en": "P(stable exit)"},
    "p_none": {"zh": "不扶持时", "en": "without support"},
    "best_other": {"zh": "最好的其他方案", "en": "best other package"},
    "p_best_other": {"zh": "其他方案的把握", "en": "P(stable exit) with it"},
    "cost_best_other": {"zh": "其他方案费用（元）", "en": "its cost, yuan"},
    "cost_year": {"zh": "{year} 年费用（元）", "en": "cost {year}, yuan"},
    # household
    "household_title": {"zh": "农户 {id}", "en": "Household {id}"},
    "why": {"zh": "为什么这样安排", "en": "Why this package"},
    "income_paths": {"zh": "人均纯收入（元/人·年）：本方案与最好的其他方案",
                     "en": "Per-capita net income (yuan/person/year): this package and the best other"},
    "mean_line": {"zh": "均值", "en": "mean"},
    "band": {"zh": "阴影：{low}–{high}% 的模拟结果", "en": "shaded: {low}–{high} % of replications"},
    "back_to_list": {"zh": "返回逐户列表", "en": "Back to the list"},
    # compare
    "compare_title": {"zh": "两次计算比较", "en": "Two runs compared"},
    "compare_pick": {"zh": "选择两次已完成的计算", "en": "Pick two finished runs"},
    "compare_none": {"zh": "至少需要两次已完成的计算。先修改设定再算一次。",
                     "en": "Two finished runs are needed; change the settings and run again."},
    "compare_button": {"zh": "比较", "en": "Compare"},
    "paired_title": {"zh": "新增稳定脱贫户数的配对差值（B − A）",
                     "en": "Paired difference in added stable exits (B − A)"},
    "paired_text": {"zh": "均值 {mean} 户，95% 置信区间 {low} 至 {high} 户（{reps} 次重复模拟，相同随机数）。",
                    "en": "mean {mean} households, 95 % CI {low} to {high} ({reps} replications "
                          "on the same random numbers)."},
    "not_paired": {"zh": "两次计算的随机种子、重复次数或农户不同，不能配对比较；只列出各自的结果。",
                   "en": "The runs differ in seed, replications or households, so they cannot be "
                         "paired; each is shown on its own."},
    "difference": {"zh": "差值 B − A", "en": "difference B − A"},
    "runs_title": {"zh": "运行记录（保存在本机的工作文件夹中）", "en": "Runs (kept in this computer's workspace folder)"},
    "no_runs": {"zh": "还没有计算。", "en": "No runs yet."},
    "open": {"zh": "打开", "en": "open"},
    "foreign_form": {"zh": "拒绝：表单来自其他网站。", "en": "Refused: the form came from another site."},
    "not_found": {"zh": "找不到该页面。", "en": "Page not found."},
}


def word(key: str, lang: str, **values: object) -> str:
    """The page's word ``key`` in ``lang`` (Chinese unless ``lang`` is ``en``); words the
    charts already name (:data:`simulator.labels.TEXT`, e.g. the exit line) come from there."""
    entry = WORDS[key] if key in WORDS else TEXT[key]
    text = entry["en" if lang == "en" else "zh"]
    return text.format(**values) if values else text
