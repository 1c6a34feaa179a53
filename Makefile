.PHONY: run dev test stop lint format lock
PYTEST_ARGS ?=

run:  ## install, start PostGIS/Redis/web (gunicorn)/worker/beat, load demo data
	bash scripts/dev.sh run

dev:  ## the same, with Django's auto-reloading development server instead of gunicorn
	bash scripts/dev.sh dev

test:  ## same bootstrap, then the whole test suite
	bash scripts/dev.sh test $(PYTEST_ARGS)

stop:  ## stop what `make run` / `make dev` started
	bash scripts/dev.sh stop

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/python manage.py makemigrations --check --dry-run

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

lock:  ## re-lock dependencies after editing requirements*.in (needs network to PyPI)
	.venv/bin/pip install -q uv && .venv/bin/uv pip compile -q --generate-hashes --python-version 3.11 requirements.in -o requirements.lock && .venv/bin/uv pip compile -q --generate-hashes --python-version 3.11 requirements-dev.in -o requirements-dev.lock
