# 绩效自评处理 — `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Compiled bytecode for our own modules: where PYTHONDONTWRITEBYTECODE is set (this machine kind
# sets it) each process compiles them again, ~0.1 s before a batch starts (measured).
BYTECODE = @$(PY) -m compileall -q pipeline > /dev/null || true

.DEFAULT_GOAL := help
.PHONY: help reports test template bench profile fuzz preview docs lint format clean bundle

help:  ## 列出可用命令
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

# tools/launch.py sets up (as the Windows launchers do): the interpreter checked first, in one Chinese
# line (pip on an older one only backtracks for minutes); a .venv an interrupted run left without pip
# rebuilt; a lock so that two at once do not install over each other; wheels/ (make bundle) used
# with no network when it is there.
$(STAMP): pyproject.toml
	@$(PYTHON) tools/launch.py setup --dev --venv $(VENV)
	@touch $(STAMP)

reports: $(STAMP)  ## 处理 input/ 中的全部工作簿，结果写入 output/
	$(BYTECODE)
	$(PY) -m pipeline run

test: $(STAMP)  ## 运行全部测试
	$(PY) -m pytest -n $${TEST_JOBS:-auto}

template: $(STAMP)  ## 重新生成 input_templates/ 中的空白模板、填报示例和批复绩效目标模板
	$(PY) -m pipeline template

bench: $(STAMP)  ## 性能基准：N 个合成工作簿（N=300），与朴素实现对比；RSS_N=2000,10000 测主进程内存；TARGETS=1 另测有批复绩效目标时
	$(BYTECODE)
	$(PY) -m tests.bench $(if $(N),--n $(N)) $(if $(RSS_N),--rss-n $(RSS_N)) $(if $(TARGETS),--targets)

profile: $(STAMP)  ## 一个工作进程的 CPU 花在哪里：bench 语料前 N 个（N=100）按函数、按库的占用
	$(BYTECODE)
	$(PY) -m tests.profile $(if $(N),--n $(N))

fuzz: $(STAMP)  ## 以变异的示例工作簿做模糊测试（默认 5 分钟，FUZZ_SECONDS 可改）
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} $(PY) -m pytest tests/hostile/test_fuzz.py tests/hostile/test_race.py -m slow -p no:cacheprovider

preview: $(STAMP)  ## 用 LibreOffice 把 output/ 中的报告和评分表转为 PDF 与 PNG（需安装 LibreOffice）
	$(PY) -m pipeline preview

docs: $(STAMP)  ## 根据规则注册表重新生成 docs/rules.md
	$(PY) -m pipeline rules > docs/rules.md

lint: $(STAMP)  ## ruff 检查
	$(VENV)/bin/ruff check .

format: $(STAMP)  ## ruff 格式化
	$(VENV)/bin/ruff format .

bundle: $(STAMP)  ## 打离线安装包 dist/*.zip（项目 + 全部依赖的 wheel：Windows 64 位 Python 3.11–3.13 和本机）
	$(PY) -m pipeline bundle

clean: $(STAMP)  ## 删除 output/ 中的生成文件（审核处理记录和审核人改过的文件保留）
	$(PY) -m pipeline clean
