# imgsim — developer entry points. Needs only python3 (3.10+) on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench bench-scale fuzz clean

# One stamp per set of extras, each (re)installed whenever pyproject.toml changes:
# `make demo` needs only imgsim's runtime dependencies; the test, dev and bench
# extras are installed by the targets that use them.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-%: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[$*]'
	touch $@

demo: $(VENV)/.installed
	@echo "--- imgsim is installed in $(BIN): run it as $(BIN)/imgsim, or after 'source $(BIN)/activate' as imgsim"
	$(BIN)/imgsim extract sample_images/reference -f phash,dhash,color_hist --format table
	$(BIN)/imgsim compare sample_images/generated sample_images/reference \
		-m ssim,psnr,phash,color_hist --format table --gate "mean(ssim)>=0.5" --html report.html
	@echo "--- report.html: the same pairs as a page, worst first (open it in a browser)"
	@echo "--- the same comparison with a stricter gate, which fails (exit 1) on purpose:"
	$(BIN)/imgsim compare sample_images/generated sample_images/reference \
		-m ssim --format csv --gate "ssim>=0.8" \
		|| echo "--- exit status $$?: the gate failed, as a CI job would"
	@echo "--- broken generations caught without a reference (exit 1 on purpose):"
	$(BIN)/imgsim quality sample_images/generated sample_images/broken -m contrast,sharpness,noise \
		--format csv --gate "contrast>=5" --gate "sharpness>=4" --gate "noise<=30" \
		|| echo "--- exit status $$?: the gates caught the broken frames"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# A million-file extract against a 10,000-file one: peak memory and throughput (not in CI).
bench-scale: $(VENV)/.installed-bench
	$(BIN)/python bench/scale.py --files 10000,1000000

# The fuzz tests with a long budget (make test runs them with a small one).
fuzz: $(VENV)/.installed-test
	IMGSIM_FUZZ_EXAMPLES=1000 $(BIN)/python -m pytest -q tests/test_fuzz_decode.py tests/test_fuzz_cli.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check imgsim tests bench tools scripts
	$(BIN)/ruff format --check imgsim tests bench tools scripts
	$(BIN)/mypy --strict imgsim tools/export_onnx.py

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis bench/.data report.html
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
