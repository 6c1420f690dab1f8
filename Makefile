# 绩效自评处理 — `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Compiled bytecode for our own modules: where PYTHONDONTWRITEBYTECODE is set (this machine kind
# sets it) each process compiles them again, ~0.1 s before a batch starts (measured).
BYTECODE = @$(PY) -m compileall -q pipeline > /dev/null || true

.DEFAULT_GOAL := help
.PHONY: help reports test template bench fuzz preview docs lint format clean

help:  ## 列出可用命令
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

# The interpreter is checked first, in one Chinese line: pip on an older one only backtracks for minutes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) tools/launch.py check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) tools/launch.py check-python
	@echo "安装依赖到 $(VENV)（首次运行需要一两分钟）…"
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

reports: $(STAMP)  ## 处理 input/ 中的全部工作簿，结果写入 output/
	$(BYTECODE)
	$(PY) -m pipeline run

test: $(STAMP)  ## 运行全部测试
	$(PY) -m pytest -n $${TEST_JOBS:-auto}

template: $(STAMP)  ## 重新生成 input_templates/ 中的空白模板、填报示例和批复绩效目标模板
	$(PY) -m pipeline template

bench: $(STAMP)  ## 性能基准：N 个合成工作簿（N=300），与朴素实现对比
	$(BYTECODE)
	$(PY) -m tests.bench $(if $(N),--n $(N))

fuzz: $(STAMP)  ## 以变异的示例工作簿做模糊测试（默认 5 分钟，FUZZ_SECONDS 可改）
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} $(PY) -m pytest tests/hostile/test_fuzz.py -m slow -p no:cacheprovider

preview: $(STAMP)  ## 用 LibreOffice 把 output/ 中的报告和评分表转为 PDF 与 PNG（需安装 LibreOffice）
	$(PY) -m pipeline preview

docs: $(STAMP)  ## 根据规则注册表重新生成 docs/rules.md
	$(PY) -m pipeline rules > docs/rules.md

lint: $(STAMP)  ## ruff 检查
	$(VENV)/bin/ruff check .

format: $(STAMP)  ## ruff 格式化
	$(VENV)/bin/ruff format .

clean:  ## 删除 output/ 中的生成文件
	find output -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
